# One ECS service per process, all from the same image (Dockerfile): web behind the load
# balancer, worker, relay and the AML consumer autoscaled on CPU, exactly one beat, and
# the migrations as a one-off task definition run before each release (docs/deploy.md).

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enhanced"
  }
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

# What every process shares; each module block below adds only what is its own.
locals {
  process_platform = {
    cluster_arn                = aws_ecs_cluster.this.arn
    image                      = var.image
    execution_role_arn         = aws_iam_role.execution.arn
    task_role_arn              = aws_iam_role.task.arn
    log_group_name             = aws_cloudwatch_log_group.app.name
    region                     = var.region
    subnet_ids                 = module.vpc.private_subnets
    security_group_ids         = [aws_security_group.app.id]
    checkpoint_file_system_id  = aws_efs_file_system.checkpoints.id
    checkpoint_access_point_id = aws_efs_access_point.checkpoints.id
  }
}

module "web" {
  source  = "./modules/ecs_process"
  name    = "${var.name}-web"
  process = "web"
  command = ["gunicorn", "config.wsgi", "--config", "gunicorn.conf.py"]

  environment = local.app_environment
  secrets     = local.app_secrets

  cpu                  = var.processes["web"].cpu
  memory               = var.processes["web"].memory
  min_count            = var.processes["web"].min_count
  max_count            = var.processes["web"].max_count
  target_group_arn     = aws_lb_target_group.web.arn
  health_check_command = ["python", "/app/deploy/healthcheck.py"]

  platform = local.process_platform

  depends_on = [aws_lb_listener.https]
}

module "worker" {
  source  = "./modules/ecs_process"
  name    = "${var.name}-worker"
  process = "worker"
  command = ["celery", "-A", "config", "worker", "--loglevel", "INFO"]

  environment = local.app_environment
  secrets     = local.app_secrets

  cpu       = var.processes["worker"].cpu
  memory    = var.processes["worker"].memory
  min_count = var.processes["worker"].min_count
  max_count = var.processes["worker"].max_count
  # The worker answers a ping over the broker: connected and consuming.
  health_check_command = ["sh", "-c", "celery -A config inspect ping --destination celery@$HOSTNAME --timeout 10 | grep -q pong"]

  platform = local.process_platform
}

# Exactly one: two beats would send every periodic task twice.
module "beat" {
  source    = "./modules/ecs_process"
  name      = "${var.name}-beat"
  process   = "beat"
  command   = ["celery", "-A", "config", "beat", "--loglevel", "INFO", "--schedule", "/app/var/run/celerybeat-schedule"]
  singleton = true

  environment = local.app_environment
  secrets     = local.app_secrets

  cpu    = var.processes["beat"].cpu
  memory = var.processes["beat"].memory

  platform = local.process_platform
}

# The outbox relay: several may run (rows are claimed with SKIP LOCKED).
module "relay" {
  source  = "./modules/ecs_process"
  name    = "${var.name}-relay"
  process = "relay"
  command = ["python", "manage.py", "run_outbox_relay"]

  environment = local.app_environment
  secrets     = local.app_secrets

  cpu       = var.processes["relay"].cpu
  memory    = var.processes["relay"].memory
  min_count = var.processes["relay"].min_count
  max_count = var.processes["relay"].max_count

  platform = local.process_platform
}

# AML stream consumers: more tasks join the same consumer group `aml`.
module "aml" {
  source  = "./modules/ecs_process"
  name    = "${var.name}-aml"
  process = "aml"
  command = ["python", "manage.py", "run_aml_consumer"]

  environment = local.app_environment
  secrets     = local.app_secrets

  cpu       = var.processes["aml"].cpu
  memory    = var.processes["aml"].memory
  min_count = var.processes["aml"].min_count
  max_count = var.processes["aml"].max_count

  platform = local.process_platform
}

# One-off, run before each release as the tables' owner, then the runtime role's grants
# (docs/security/auditchain.md). `terraform output migrate_command` prints how to run it.
module "migrate" {
  source  = "./modules/ecs_process"
  name    = "${var.name}-migrate"
  process = "migrate"
  command = ["sh", "-c", "python manage.py migrate --noinput && python manage.py audit_grant_runtime_role --role fintech_app"]
  service = false

  environment = local.app_environment
  secrets     = local.migration_secrets

  cpu    = 512
  memory = 1024

  platform = local.process_platform
}
