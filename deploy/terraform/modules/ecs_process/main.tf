# One product process on Fargate: its task definition (the same image, environment and
# secrets as every other process, its own command) and, unless it is a one-off, its
# service with optional CPU autoscaling.

locals {
  load_balanced = var.target_group_arn != ""
  autoscaled    = var.service && !var.singleton && var.max_count > var.min_count
  desired_count = var.singleton ? 1 : var.min_count

  container = {
    name                   = var.process
    image                  = var.platform.image
    command                = var.command
    essential              = true
    user                   = "10001:10001"
    readonlyRootFilesystem = true
    privileged             = false
    environment            = [for name, value in var.environment : { name = name, value = value }]
    secrets                = [for name, arn in var.secrets : { name = name, valueFrom = arn }]
    portMappings           = local.load_balanced ? [{ containerPort = var.container_port, protocol = "tcp" }] : []
    mountPoints = [
      { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
      { sourceVolume = "run", containerPath = "/app/var/run", readOnly = false },
      { sourceVolume = "audit", containerPath = "/app/var/audit", readOnly = false },
    ]
    linuxParameters = {
      initProcessEnabled = true
      capabilities       = { drop = ["ALL"] }
    }
    stopTimeout = 60
    healthCheck = length(var.health_check_command) > 0 ? {
      command     = concat(["CMD"], var.health_check_command)
      interval    = 30
      timeout     = 10
      retries     = 3
      startPeriod = 60
    } : null
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = var.platform.log_group_name
        awslogs-region        = var.platform.region
        awslogs-stream-prefix = var.process
      }
    }
  }
}

resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = var.platform.execution_role_arn
  task_role_arn            = var.platform.task_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([local.container])

  volume {
    name = "tmp"
  }

  volume {
    name = "run"
  }

  volume {
    name = "audit"
    efs_volume_configuration {
      file_system_id     = var.platform.checkpoint_file_system_id
      transit_encryption = "ENABLED"
      authorization_config {
        access_point_id = var.platform.checkpoint_access_point_id
        iam             = "ENABLED"
      }
    }
  }
}

resource "aws_ecs_service" "this" {
  count = var.service ? 1 : 0

  name                   = var.name
  cluster                = var.platform.cluster_arn
  task_definition        = aws_ecs_task_definition.this.arn
  desired_count          = local.desired_count
  launch_type            = "FARGATE"
  platform_version       = "LATEST"
  enable_execute_command = false
  propagate_tags         = "SERVICE"

  # A singleton is stopped before its replacement starts, so two never run at once.
  deployment_maximum_percent         = var.singleton ? 100 : 200
  deployment_minimum_healthy_percent = var.singleton ? 0 : 100

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.platform.subnet_ids
    security_groups  = var.platform.security_group_ids
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = local.load_balanced ? [1] : []
    content {
      target_group_arn = var.target_group_arn
      container_name   = var.process
      container_port   = var.container_port
    }
  }

  health_check_grace_period_seconds = local.load_balanced ? 60 : null

  lifecycle {
    # Autoscaling owns the count once the service exists.
    ignore_changes = [desired_count]
  }
}

resource "aws_appautoscaling_target" "this" {
  count              = local.autoscaled ? 1 : 0
  service_namespace  = "ecs"
  resource_id        = "service/${element(split("/", var.platform.cluster_arn), 1)}/${aws_ecs_service.this[0].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_count
  max_capacity       = var.max_count
}

resource "aws_appautoscaling_policy" "cpu" {
  count              = local.autoscaled ? 1 : 0
  name               = "${var.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  resource_id        = aws_appautoscaling_target.this[0].resource_id
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = 60
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
