# prod / us-east-1 / network: its own state, so a network change cannot touch the data layer's state.

terraform {
  required_version = ">= 1.6"
  backend "s3" {
    bucket         = "dfp-terraform-state-prod"
    key            = "prod/us-east-1/network.tfstate"
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
    tags = { env = "prod", region = "us-east-1", layer = "network", managed_by = "terraform" }
  }
}

# CIDRs from the computed address plan (02 Infrastructure); a test checks they match it.
module "network" {
  source          = "../../../modules/network"
  name            = "dfp-prod-use1"
  vpc_cidr        = "10.0.0.0/16"
  azs             = ["us-east-1a", "us-east-1b", "us-east-1c"]
  private_subnets = ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"]
  data_subnets    = ["10.0.128.0/22", "10.0.132.0/22", "10.0.136.0/22"]
  public_subnets  = ["10.0.144.0/24", "10.0.145.0/24", "10.0.146.0/24"]
}
