output "load_balancer_dns_name" {
  description = "DNS name of the load balancer: point domain_name at it (an alias record)."
  value       = aws_lb.web.dns_name
}

output "load_balancer_zone_id" {
  description = "Hosted zone of the load balancer, for a Route 53 alias record."
  value       = aws_lb.web.zone_id
}

output "ecs_cluster_name" {
  description = "ECS cluster running every process."
  value       = aws_ecs_cluster.this.name
}

output "services" {
  description = "ECS service of each long-running process."
  value = {
    web    = module.web.service_name
    worker = module.worker.service_name
    beat   = module.beat.service_name
    relay  = module.relay.service_name
    aml    = module.aml.service_name
  }
}

output "migrate_command" {
  description = "Runs the migrations (then the runtime role's grants) as a one-off task; run it before updating the services to a new image."
  value = join(" ", [
    "aws ecs run-task --cluster", aws_ecs_cluster.this.name,
    "--launch-type FARGATE --task-definition", module.migrate.task_definition_arn,
    "--network-configuration", format("'awsvpcConfiguration={subnets=[%s],securityGroups=[%s],assignPublicIp=DISABLED}'",
    join(",", module.vpc.private_subnets), aws_security_group.app.id),
  ])
}

output "operator_secret_names" {
  description = "Secrets Manager secrets whose values the operator puts after the first apply (docs/deploy.md)."
  value       = [for secret in aws_secretsmanager_secret.operator : secret.name]
}

output "database_master_secret_arn" {
  description = "Secrets Manager secret holding the RDS master credentials (generated and rotated by RDS); use it only to create the owner and runtime roles."
  value       = aws_db_instance.postgres.master_user_secret[0].secret_arn
}

output "database_endpoint" {
  description = "PostgreSQL endpoint (host:port) for the DATABASE_URL secrets."
  value       = aws_db_instance.postgres.endpoint
}

output "redis_endpoint" {
  description = "Primary endpoint of the Redis replication group (already in the REDIS_URL secret)."
  value       = aws_elasticache_replication_group.redis.primary_endpoint_address
}

output "evidence_bucket" {
  description = "Write-once (Object Lock, compliance mode) bucket for evidence and the audit trail's signed checkpoints."
  value       = aws_s3_bucket.evidence.id
}

output "logs_bucket" {
  description = "Bucket of the load balancer access logs, CloudTrail and S3 access logs."
  value       = aws_s3_bucket.logs.id
}

output "alarms_topic_arn" {
  description = "SNS topic of the security and operations alarms; subscribe the on-call rotation."
  value       = aws_sns_topic.alarms.arn
}
