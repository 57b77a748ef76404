variable "name" {
  description = "Name of the process's task definition family and service (for example fintech-web)."
  type        = string
}

variable "process" {
  description = "The process's short name, used as the container name and log stream prefix (web, worker, beat, relay, aml, migrate)."
  type        = string
}

variable "cluster_arn" {
  description = "ECS cluster the service runs in."
  type        = string
}

variable "image" {
  description = "The product's image, by digest."
  type        = string
}

variable "command" {
  description = "The process's command line (the image's entrypoint stays)."
  type        = list(string)
}

variable "environment" {
  description = "Plain environment variables of the container."
  type        = map(string)
}

variable "secrets" {
  description = "Environment variables injected from Secrets Manager: name to secret ARN."
  type        = map(string)
}

variable "cpu" {
  description = "Fargate CPU units of the task."
  type        = number
}

variable "memory" {
  description = "Fargate memory of the task, MiB."
  type        = number
}

variable "execution_role_arn" {
  description = "Role ECS uses to pull the image, read the secrets and write logs."
  type        = string
}

variable "task_role_arn" {
  description = "Role the process itself runs as."
  type        = string
}

variable "log_group_name" {
  description = "CloudWatch log group of the container's output."
  type        = string
}

variable "region" {
  description = "Region of the log group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the tasks run in."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the tasks."
  type        = list(string)
}

variable "checkpoint_file_system_id" {
  description = "EFS file system of the audit checkpoint store, mounted at /app/var/audit."
  type        = string
}

variable "checkpoint_access_point_id" {
  description = "EFS access point (uid 10001) of the audit checkpoint store."
  type        = string
}

variable "health_check_command" {
  description = "Container health check command (CMD form), or an empty list for a process no probe can ask."
  type        = list(string)
  default     = []
}

variable "service" {
  description = "Whether the process runs as a long-lived service; false for a one-off task (migrations) started with `aws ecs run-task`."
  type        = bool
  default     = true
}

variable "singleton" {
  description = "Exactly one task, ever: never scaled, and a deployment stops the old task before starting the new one (Celery beat)."
  type        = bool
  default     = false
}

variable "min_count" {
  description = "Fewest tasks of the service (its desired count at creation)."
  type        = number
  default     = 1
}

variable "max_count" {
  description = "Most tasks of the service under CPU autoscaling; equal to min_count for no autoscaling."
  type        = number
  default     = 1
}

variable "target_group_arn" {
  description = "Load balancer target group of the web process, or empty."
  type        = string
  default     = ""
}

variable "container_port" {
  description = "Port the web process listens on."
  type        = number
  default     = 8000
}
