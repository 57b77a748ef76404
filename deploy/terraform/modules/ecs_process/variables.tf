variable "name" {
  description = "Name of the process's task definition family and service (for example fintech-web)."
  type        = string
}

variable "process" {
  description = "The process's short name, used as the container name and log stream prefix (web, worker, beat, relay, aml, migrate)."
  type        = string
}

variable "platform" {
  description = "What every process shares: the cluster, the image, the roles, the logs, the network and the audit checkpoint store (the root's local.process_platform)."
  type = object({
    cluster_arn                = string
    image                      = string
    execution_role_arn         = string
    task_role_arn              = string
    log_group_name             = string
    region                     = string
    subnet_ids                 = list(string)
    security_group_ids         = list(string)
    checkpoint_file_system_id  = string
    checkpoint_access_point_id = string
  })
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
