# Every input of the reference architecture. Nothing here names an account, a domain or a
# key: supply them in a terraform.tfvars that stays out of the repository (.gitignore).

variable "name" {
  description = "Prefix of every resource's name (letters, digits and hyphens)."
  type        = string
  default     = "fintech"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name))
    error_message = "name must be 2-21 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource (for example Owner, CostCentre)."
  type        = map(string)
  default     = {}
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC; split into public (load balancer), private (application) and database subnets."
  type        = string
  default     = "10.40.0.0/16"
}

variable "availability_zones" {
  description = "Availability zones (names, for example [\"eu-west-1a\", \"eu-west-1b\", \"eu-west-1c\"]) the subnets, NAT gateways and Multi-AZ data tier span. Named, not discovered, so the layout never changes when AWS adds a zone."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 3
    error_message = "availability_zones must name 2 or 3 zones."
  }
}

variable "image" {
  description = "The product's container image, built from the Dockerfile, by digest (ACCOUNT.dkr.ecr.REGION.amazonaws.com/fintech@sha256:...)."
  type        = string

  validation {
    condition     = can(regex("@sha256:[0-9a-f]{64}$", var.image))
    error_message = "image must be pinned by digest (…@sha256:<64 hex digits>), so every task runs the reviewed build."
  }
}

variable "domain_name" {
  description = "The host name customers and staff use (becomes ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS)."
  type        = string
}

variable "certificate_arn" {
  description = "ARN of the ACM certificate for domain_name, served by the load balancer."
  type        = string
}

variable "ingress_cidrs" {
  description = "Addresses allowed to reach the load balancer on 443. The internet by default (customers and gateway webhooks); narrow it for a staff-only deployment."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "log_retention_days" {
  description = "Retention of every CloudWatch log group. PCI DSS 10.5.1 asks for at least 12 months of audit log history."
  type        = number
  default     = 400

  validation {
    condition     = contains([400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch retention of at least 12 months: 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "evidence_retention_days" {
  description = "Object Lock (compliance mode) retention of the evidence bucket: nobody, the root user included, can delete or overwrite an object for this long."
  type        = number
  default     = 2557 # seven years: record keeping of anti-money-laundering evidence

  validation {
    condition     = var.evidence_retention_days >= 365
    error_message = "evidence_retention_days must be at least 365."
  }
}

variable "db_instance_class" {
  description = "RDS instance class of the PostgreSQL primary (and its Multi-AZ standby)."
  type        = string
  default     = "db.m7g.large"
}

variable "db_engine_version" {
  description = "PostgreSQL major version of the RDS instance."
  type        = string
  default     = "17"
}

variable "db_allocated_storage_gb" {
  description = "Initial storage of the database; grows automatically up to db_max_allocated_storage_gb."
  type        = number
  default     = 100
}

variable "db_max_allocated_storage_gb" {
  description = "Ceiling of the database's storage autoscaling."
  type        = number
  default     = 1000
}

variable "db_backup_retention_days" {
  description = "Days of automated backups, and so of point-in-time recovery (1-35)."
  type        = number
  default     = 35

  validation {
    condition     = var.db_backup_retention_days >= 7 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days must be 7-35."
  }
}

variable "redis_node_type" {
  description = "ElastiCache node type of the Redis primary and its replica."
  type        = string
  default     = "cache.m7g.large"
}

variable "redis_engine_version" {
  description = "Redis OSS engine version of the replication group."
  type        = string
  default     = "7.1"
}

variable "plaid_host" {
  description = "Plaid API host: https://production.plaid.com in production (the product's default is Plaid's sandbox)."
  type        = string
  default     = "https://production.plaid.com"
}

variable "braintree_environment" {
  description = "Braintree environment: production or sandbox."
  type        = string
  default     = "production"
}

variable "smtp_host" {
  description = "SMTP relay of sign-up confirmations and password resets (STARTTLS on 587), for example Amazon SES's email-smtp.REGION.amazonaws.com; its credentials go in the EMAIL_HOST_USER and EMAIL_HOST_PASSWORD secrets."
  type        = string
}

variable "from_email" {
  description = "Sender of the product's mail, for example \"Back-office <no-reply@example.com>\" (a verified identity of the relay)."
  type        = string
}

variable "processes" {
  description = <<-EOT
    Size and count of each long-running process. web, worker, relay and aml scale between
    min_count and max_count on CPU; beat is always exactly one and its counts are ignored.
  EOT
  type = map(object({
    cpu       = number
    memory    = number
    min_count = number
    max_count = number
  }))
  default = {
    web    = { cpu = 1024, memory = 2048, min_count = 2, max_count = 6 }
    worker = { cpu = 1024, memory = 2048, min_count = 2, max_count = 8 }
    beat   = { cpu = 256, memory = 512, min_count = 1, max_count = 1 }
    relay  = { cpu = 256, memory = 512, min_count = 1, max_count = 3 }
    aml    = { cpu = 512, memory = 1024, min_count = 1, max_count = 6 }
  }

  validation {
    condition     = alltrue([for name in ["web", "worker", "beat", "relay", "aml"] : contains(keys(var.processes), name)])
    error_message = "processes must size web, worker, beat, relay and aml."
  }
}

variable "alarm_email" {
  description = "Address subscribed to the security and operations alarms topic (leave empty to subscribe later)."
  type        = string
  default     = ""
}
