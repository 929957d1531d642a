# prod / us-east-1 / registry: the one image repository of the processors (and every service image),
# in account 111122223333. CI pushes to us-east-1 only; the registry's replication rule copies every image
# to eu-west-1 with the same digest, so the EU cell pulls from a registry in its own region and keeps
# scaling when us-east-1's registry does not answer. The EU cell's account (111111111111) may pull, never push.

terraform {
  required_version = ">= 1.6"
  backend "s3" {
    bucket         = "dfp-terraform-state-prod"
    key            = "prod/us-east-1/registry.tfstate"
    region         = "us-east-1"
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
  region = "us-east-1"
  default_tags {
    tags = { env = "prod", region = "us-east-1", layer = "registry", managed_by = "terraform" }
  }
}

resource "aws_ecr_repository" "processors" {
  name                 = "dfp/processors"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_replication_configuration" "to_eu" {
  replication_configuration {
    rule {
      destination {
        region      = "eu-west-1"
        registry_id = "111122223333"
      }
      repository_filter {
        filter      = "dfp/"
        filter_type = "PREFIX_MATCH"
      }
    }
  }
}

# The EU cell's nodes pull; nobody outside this account pushes. The same grant is applied to the
# eu-west-1 replica of the repository (not shown).
resource "aws_ecr_repository_policy" "eu_cell_pulls" {
  repository = aws_ecr_repository.processors.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EuCellPulls"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::111111111111:root" }
      Action    = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
    }]
  })
}
