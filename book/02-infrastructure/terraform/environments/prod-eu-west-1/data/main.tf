# prod / eu-west-1 / data: the stream and the stores of the EU cell, in the EU cell's own account
# (111111111111), whose service control policy (data/security/scp/eu-region-lock.json) denies every
# region but eu-west-1 and eu-central-1. The events bucket replicates to eu-central-1 only; delete
# markers do not replicate, and versioning plus Object Lock protect both copies against deletes.
# Every value below comes from the platform model (data/platform.yml resources); a test compares them.

terraform {
  required_version = ">= 1.6"
  backend "s3" {
    bucket         = "dfp-terraform-state-prod"
    key            = "prod/eu-west-1/data.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "dfp-terraform-locks"
    encrypt        = true
  }
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = { env = "prod", region = "eu-west-1", layer = "data", managed_by = "terraform" }
  }
}

# The replica region: eu-central-1, inside the EU and allowed by the service control policy.
provider "aws" {
  alias  = "replica"
  region = "eu-central-1"
  default_tags {
    tags = { env = "prod", region = "eu-central-1", layer = "data", managed_by = "terraform" }
  }
}

data "terraform_remote_state" "network" {
  backend = "s3"
  config = {
    bucket = "dfp-terraform-state-prod"
    key    = "prod/eu-west-1/network.tfstate"
    region = "eu-west-1"
  }
}

# Keys: one customer-managed key per region and data class (control C05); the alias is the key's name in
# the platform model. Tenant isolation is not a key per tenant: it is the caller's role, bound to its
# tenant's prefix, and the decrypt condition on the object ARN that S3 uses as encryption context (which
# is why the event buckets have S3 Bucket Keys off). The logs key and bucket live in the observability
# layer's state; per-customer archive buckets are created at onboarding.
resource "aws_kms_key" "events" {
  description         = "dfp prod eu-west-1 events"
  enable_key_rotation = true
  tags                = { data_class = "events" }
}

resource "aws_kms_alias" "events" {
  name          = "alias/events"
  target_key_id = aws_kms_key.events.key_id
}

resource "aws_kms_key" "config" {
  description         = "dfp prod eu-west-1 config"
  enable_key_rotation = true
  tags                = { data_class = "config" }
}

resource "aws_kms_alias" "config" {
  name          = "alias/config"
  target_key_id = aws_kms_key.config.key_id
}

resource "aws_kms_key" "events_replica" {
  provider            = aws.replica
  description         = "dfp prod eu-central-1 events (replica)"
  enable_key_rotation = true
  tags                = { data_class = "events" }
}

resource "aws_kms_alias" "events_replica" {
  provider      = aws.replica
  name          = "alias/events-replica"
  target_key_id = aws_kms_key.events_replica.key_id
}

# Shards: regional peak plus one tenant at its rate limit, 30 % headroom (stream-capacity notebook).
module "event_stream" {
  source          = "../../../modules/event-stream"
  name            = "events"
  shard_count     = 2
  retention_hours = 168
  kms_key_arn     = aws_kms_key.events.arn
}

resource "aws_s3_bucket" "events" {
  bucket              = "dfp-events-eu-west-1"
  object_lock_enabled = true
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_versioning" "events" {
  bucket = aws_s3_bucket.events.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "events" {
  bucket = aws_s3_bucket.events.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.events.arn
    }
    bucket_key_enabled = false
  }
}

resource "aws_s3_bucket_public_access_block" "events" {
  bucket                  = aws_s3_bucket.events.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# Governance mode: no one can delete a locked version except a role granted s3:BypassGovernanceRetention,
# which only the data-subject-request workflow has (erasure must still be possible within 30 days).
resource "aws_s3_bucket_object_lock_configuration" "events" {
  bucket = aws_s3_bucket.events.id
  rule {
    default_retention {
      mode = "GOVERNANCE"
      days = 30
    }
  }
}

resource "aws_s3_bucket" "events_replica" {
  provider            = aws.replica
  bucket              = "dfp-events-eu-west-1-replica"
  object_lock_enabled = true
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_versioning" "events_replica" {
  provider = aws.replica
  bucket   = aws_s3_bucket.events_replica.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "events_replica" {
  provider = aws.replica
  bucket   = aws_s3_bucket.events_replica.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.events_replica.arn
    }
    bucket_key_enabled = false
  }
}

resource "aws_s3_bucket_public_access_block" "events_replica" {
  provider                = aws.replica
  bucket                  = aws_s3_bucket.events_replica.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_object_lock_configuration" "events_replica" {
  provider = aws.replica
  bucket   = aws_s3_bucket.events_replica.id
  rule {
    default_retention {
      mode = "GOVERNANCE"
      days = 30
    }
  }
}

# Delete markers do not replicate: a delete in eu-west-1 (a mistake, a bad job, an attacker) must not
# hide the objects in the copy kept to recover from it. Erasure for a data-subject request deletes the
# versions in both buckets explicitly (S3 never replicates a delete of a specific version).
resource "aws_s3_bucket_replication_configuration" "events" {
  bucket = aws_s3_bucket.events.id
  role   = "arn:aws:iam::111111111111:role/dfp-prod-s3-replication"
  rule {
    id     = "events-to-eu-central-1"
    status = "Enabled"
    filter {}
    delete_marker_replication {
      status = "Disabled"
    }
    source_selection_criteria {
      sse_kms_encrypted_objects {
        status = "Enabled"
      }
    }
    destination {
      bucket        = aws_s3_bucket.events_replica.arn
      storage_class = "GLACIER_IR"
      encryption_configuration {
        replica_kms_key_id = aws_kms_key.events_replica.arn
      }
      replication_time {
        status = "Enabled"
        time {
          minutes = 15
        }
      }
      metrics {
        status = "Enabled"
        event_threshold {
          minutes = 15
        }
      }
    }
  }
  depends_on = [aws_s3_bucket_versioning.events, aws_s3_bucket_versioning.events_replica]
}

resource "aws_dynamodb_table" "state" {
  name         = "state"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.events.arn
  }

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_db_instance" "config" {
  identifier                  = "tenant-config"
  engine                      = "postgres"
  instance_class              = "db.m6g.large"
  allocated_storage           = 100
  multi_az                    = true
  storage_encrypted           = true
  kms_key_id                  = aws_kms_key.config.arn
  backup_retention_period     = 7
  deletion_protection         = true
  db_subnet_group_name        = "dfp-prod-euw1-data"
  username                    = "dfp_admin"
  manage_master_user_password = true
}
