# Secrets Manager holds every secret the processes read, encrypted with the secrets key;
# ECS injects them into the containers as environment variables (task definitions'
# `secrets`), so no value appears in a task definition, in Terraform or in its state.
#
# The operator puts each value once after `apply` (docs/deploy.md); Terraform creates the
# containers and never reads them back. REDIS_URL is the exception: Terraform generates
# the Redis AUTH token, so it writes that secret itself.

locals {
  # Filled in by the operator. DATABASE_URL is the runtime role's (least privilege, see
  # docs/security/auditchain.md); DATABASE_URL_OWNER is the tables' owner, given to the
  # migration task only.
  operator_secret_names = [
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "AUDIT_CHAIN_KEYS",
    "DATABASE_URL",
    "DATABASE_URL_OWNER",
    "STRIPE_API_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRETS",
    "BRAINTREE_MERCHANT_ID",
    "BRAINTREE_PUBLIC_KEY",
    "BRAINTREE_PRIVATE_KEY",
    "PLAID_CLIENT_ID",
    "PLAID_SECRET",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
  ]
}

resource "aws_secretsmanager_secret" "operator" {
  #checkov:skip=CKV2_AWS_57:These are application keys and provider credentials, rotated by the product's own procedures (key rings in FIELD_ENCRYPTION_KEYS / AUDIT_CHAIN_KEYS, provider dashboards), not by a Lambda; the runbook in docs/deploy.md sets the rotation period.
  for_each                = toset(local.operator_secret_names)
  name                    = "${var.name}/${each.value}"
  description             = "${var.name}: ${each.value} (value put by the operator; see docs/deploy.md)"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = 30
}

resource "aws_secretsmanager_secret" "redis_url" {
  #checkov:skip=CKV2_AWS_57:Rotating the Redis AUTH token is a two-step ElastiCache operation (auth_token_update_strategy ROTATE then SET) run from Terraform, not a Lambda rotation.
  name                    = "${var.name}/REDIS_URL"
  description             = "${var.name}: REDIS_URL with the ElastiCache AUTH token, TLS required"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = 30
}

resource "aws_secretsmanager_secret_version" "redis_url" {
  secret_id = aws_secretsmanager_secret.redis_url.id
  # rediss:// with ssl_cert_reqs=required: TLS with the server's certificate verified.
  secret_string = format(
    "rediss://:%s@%s:6379/0?ssl_cert_reqs=required",
    random_password.redis_auth_token.result,
    aws_elasticache_replication_group.redis.primary_endpoint_address,
  )
}
