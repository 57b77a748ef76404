# What every product process is given: the same settings module runs in each, so each
# gets every variable production requires (config/production_env.py; checked by
# tests/deploy/test_terraform_environment.py). Plain values here; secrets by reference.

locals {
  app_environment = {
    DJANGO_ENV            = "production"
    ALLOWED_HOSTS         = var.domain_name
    CSRF_TRUSTED_ORIGINS  = "https://${var.domain_name}"
    TRUSTED_PROXY_COUNT   = "1" # the load balancer appends one X-Forwarded-For entry
    AUDIT_CHECKPOINT_PATH = "/app/var/audit/checkpoints.jsonl"
    PLAID_HOST            = var.plaid_host
    PLAID_WEBHOOK_URL     = "https://${var.domain_name}/webhooks/plaid/"
    EMAIL_HOST            = var.smtp_host
    DEFAULT_FROM_EMAIL    = var.from_email
    BRAINTREE_ENVIRONMENT = var.braintree_environment
    LOG_LEVEL             = "INFO"
  }

  app_secrets = {
    SECRET_KEY             = aws_secretsmanager_secret.operator["SECRET_KEY"].arn
    FIELD_ENCRYPTION_KEYS  = aws_secretsmanager_secret.operator["FIELD_ENCRYPTION_KEYS"].arn
    BLIND_INDEX_KEY        = aws_secretsmanager_secret.operator["BLIND_INDEX_KEY"].arn
    AUDIT_CHAIN_KEYS       = aws_secretsmanager_secret.operator["AUDIT_CHAIN_KEYS"].arn
    DATABASE_URL           = aws_secretsmanager_secret.operator["DATABASE_URL"].arn
    REDIS_URL              = aws_secretsmanager_secret.redis_url.arn
    STRIPE_API_KEY         = aws_secretsmanager_secret.operator["STRIPE_API_KEY"].arn
    STRIPE_PUBLISHABLE_KEY = aws_secretsmanager_secret.operator["STRIPE_PUBLISHABLE_KEY"].arn
    STRIPE_WEBHOOK_SECRETS = aws_secretsmanager_secret.operator["STRIPE_WEBHOOK_SECRETS"].arn
    BRAINTREE_MERCHANT_ID  = aws_secretsmanager_secret.operator["BRAINTREE_MERCHANT_ID"].arn
    BRAINTREE_PUBLIC_KEY   = aws_secretsmanager_secret.operator["BRAINTREE_PUBLIC_KEY"].arn
    BRAINTREE_PRIVATE_KEY  = aws_secretsmanager_secret.operator["BRAINTREE_PRIVATE_KEY"].arn
    PLAID_CLIENT_ID        = aws_secretsmanager_secret.operator["PLAID_CLIENT_ID"].arn
    PLAID_SECRET           = aws_secretsmanager_secret.operator["PLAID_SECRET"].arn
    EMAIL_HOST_USER        = aws_secretsmanager_secret.operator["EMAIL_HOST_USER"].arn
    EMAIL_HOST_PASSWORD    = aws_secretsmanager_secret.operator["EMAIL_HOST_PASSWORD"].arn
  }

  # The migration task connects as the tables' owner; everything else is the same.
  migration_secrets = {
    SECRET_KEY             = aws_secretsmanager_secret.operator["SECRET_KEY"].arn
    FIELD_ENCRYPTION_KEYS  = aws_secretsmanager_secret.operator["FIELD_ENCRYPTION_KEYS"].arn
    BLIND_INDEX_KEY        = aws_secretsmanager_secret.operator["BLIND_INDEX_KEY"].arn
    AUDIT_CHAIN_KEYS       = aws_secretsmanager_secret.operator["AUDIT_CHAIN_KEYS"].arn
    DATABASE_URL           = aws_secretsmanager_secret.operator["DATABASE_URL_OWNER"].arn
    REDIS_URL              = aws_secretsmanager_secret.redis_url.arn
    STRIPE_API_KEY         = aws_secretsmanager_secret.operator["STRIPE_API_KEY"].arn
    STRIPE_PUBLISHABLE_KEY = aws_secretsmanager_secret.operator["STRIPE_PUBLISHABLE_KEY"].arn
    STRIPE_WEBHOOK_SECRETS = aws_secretsmanager_secret.operator["STRIPE_WEBHOOK_SECRETS"].arn
    BRAINTREE_MERCHANT_ID  = aws_secretsmanager_secret.operator["BRAINTREE_MERCHANT_ID"].arn
    BRAINTREE_PUBLIC_KEY   = aws_secretsmanager_secret.operator["BRAINTREE_PUBLIC_KEY"].arn
    BRAINTREE_PRIVATE_KEY  = aws_secretsmanager_secret.operator["BRAINTREE_PRIVATE_KEY"].arn
    PLAID_CLIENT_ID        = aws_secretsmanager_secret.operator["PLAID_CLIENT_ID"].arn
    PLAID_SECRET           = aws_secretsmanager_secret.operator["PLAID_SECRET"].arn
    EMAIL_HOST_USER        = aws_secretsmanager_secret.operator["EMAIL_HOST_USER"].arn
    EMAIL_HOST_PASSWORD    = aws_secretsmanager_secret.operator["EMAIL_HOST_PASSWORD"].arn
  }
}
