output "task_definition_arn" {
  description = "ARN of the process's task definition (the revision this apply made)."
  value       = aws_ecs_task_definition.this.arn
}

output "service_name" {
  description = "Name of the process's ECS service, or null for a one-off task."
  value       = var.service ? aws_ecs_service.this[0].name : null
}
