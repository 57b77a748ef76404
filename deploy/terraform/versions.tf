terraform {
  required_version = ">= 1.6.0"

  required_providers {
    # Pinned to a major version here; `terraform init` writes the exact version and its
    # checksums to .terraform.lock.hcl, which the operator commits in their own copy.
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # State holds the Redis AUTH token and resource identifiers: keep it in an encrypted,
  # versioned, access-logged bucket. Configured at init, so no account is named here:
  #   terraform init -backend-config=bucket=... -backend-config=key=fintech/terraform.tfstate \
  #     -backend-config=region=... -backend-config=encrypt=true -backend-config=use_lockfile=true
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Application = var.name
      # Marks every resource as in scope of the cardholder-data environment's assessment.
      DataClassification = "pci-cde"
    })
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}
