# Audit logs (PCI DSS 10.2-10.5): CloudTrail in every region with log file validation,
# encrypted with the logs key, into the logs bucket and CloudWatch Logs; every log group
# kept at least 12 months (log_retention_days); alarms on the product's own critical
# audit lines and on CloudTrail's security events, sent to an encrypted topic.

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.logs.arn
}

data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "ServicesPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com", "cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

resource "aws_sns_topic_subscription" "alarms_email" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_log_group" "cloudtrail" {
  name              = "/aws/cloudtrail/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

resource "aws_iam_role" "cloudtrail_logs" {
  name = "${var.name}-cloudtrail-logs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "cloudtrail.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy" "cloudtrail_logs" {
  name = "write-log-group"
  role = aws_iam_role.cloudtrail_logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "${aws_cloudwatch_log_group.cloudtrail.arn}:*"
    }]
  })
}

resource "aws_cloudtrail" "this" {
  name                          = var.name
  s3_bucket_name                = aws_s3_bucket.logs.id
  s3_key_prefix                 = "cloudtrail"
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  kms_key_id                    = aws_kms_key.logs.arn
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.cloudtrail.arn}:*"
  cloud_watch_logs_role_arn     = aws_iam_role.cloudtrail_logs.arn
  sns_topic_name                = aws_sns_topic.alarms.name

  # Reads and writes of the evidence bucket's objects, besides every management event.
  event_selector {
    read_write_type           = "All"
    include_management_events = true

    data_resource {
      type   = "AWS::S3::Object"
      values = ["${aws_s3_bucket.evidence.arn}/"]
    }
  }

  depends_on = [aws_s3_bucket_policy.logs]
}

# The product logs these lines when the audit trail's hash chain fails verification or
# a checkpoint is refused (docs/security/auditchain.md): each is a security incident.
resource "aws_cloudwatch_log_metric_filter" "audit_chain" {
  name           = "${var.name}-audit-chain-failures"
  log_group_name = aws_cloudwatch_log_group.app.name
  pattern        = "?\"audit chain broken\" ?\"audit checkpoint refused\""

  metric_transformation {
    name      = "AuditChainFailures"
    namespace = "${var.name}/security"
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "audit_chain" {
  alarm_name          = "${var.name}-audit-chain-failures"
  alarm_description   = "The audit trail failed verification or refused a checkpoint: treat as a security incident."
  namespace           = "${var.name}/security"
  metric_name         = "AuditChainFailures"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

# CloudTrail events an assessor expects to be alerted on (PCI DSS 10.4.1, 10.7): use of
# the root user, changes to the trail itself, and disabling or deleting a key.
resource "aws_cloudwatch_log_metric_filter" "security_events" {
  for_each = {
    RootUse          = "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != \"AwsServiceEvent\" }"
    TrailChanged     = "{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) || ($.eventName = UpdateTrail) }"
    KeyDisabled      = "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }"
    ConsoleLoginFail = "{ ($.eventName = ConsoleLogin) && ($.errorMessage = \"Failed authentication\") }"
  }
  name           = "${var.name}-${each.key}"
  log_group_name = aws_cloudwatch_log_group.cloudtrail.name
  pattern        = each.value

  metric_transformation {
    name      = each.key
    namespace = "${var.name}/security"
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "security_events" {
  for_each            = aws_cloudwatch_log_metric_filter.security_events
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = "CloudTrail security event ${each.key}"
  namespace           = "${var.name}/security"
  metric_name         = each.key
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}
