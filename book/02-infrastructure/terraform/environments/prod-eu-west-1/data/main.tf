# prod / eu-west-1 / data: the stream and the stores of the EU cell. GDPR: every resource and every
# replica stays in EU regions (replication goes to eu-central-1, never to a US region).

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

data "terraform_remote_state" "network" {
  backend = "s3"
  config = {
    bucket = "dfp-terraform-state-prod"
    key    = "prod/eu-west-1/network.tfstate"
    region = "eu-west-1"
  }
}

resource "aws_kms_key" "events" {
  description         = "dfp prod eu-west-1 event data"
  enable_key_rotation = true
}

# Shards: regional peak plus one tenant at its rate limit, 30 % headroom (stream-capacity notebook).
module "event_stream" {
  source          = "../../../modules/event-stream"
  name            = "dfp-prod-euw1-events"
  shard_count     = 2
  retention_hours = 168
  kms_key_arn     = aws_kms_key.events.arn
}

resource "aws_s3_bucket" "events" {
  bucket = "dfp-prod-euw1-events"
}

resource "aws_s3_bucket_versioning" "events" {
  bucket = aws_s3_bucket.events.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_replication_configuration" "events" {
  bucket = aws_s3_bucket.events.id
  role   = "arn:aws:iam::111111111111:role/dfp-prod-s3-replication"
  rule {
    id     = "events-to-eu-central-1"
    status = "Enabled"
    filter {}
    delete_marker_replication {
      status = "Enabled"
    }
    destination {
      bucket        = "arn:aws:s3:::dfp-prod-euc1-events-replica"
      storage_class = "STANDARD_IA"
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
  depends_on = [aws_s3_bucket_versioning.events]
}

resource "aws_dynamodb_table" "state" {
  name         = "dfp-prod-euw1-state"
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
}

resource "aws_db_instance" "metadata" {
  identifier                  = "dfp-prod-euw1-metadata"
  engine                      = "postgres"
  instance_class              = "db.m6g.large"
  allocated_storage           = 100
  multi_az                    = true
  storage_encrypted           = true
  backup_retention_period     = 7
  deletion_protection         = true
  db_subnet_group_name        = "dfp-prod-euw1-data"
  username                    = "dfp_admin"
  manage_master_user_password = true
}
