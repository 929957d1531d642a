# prod / eu-west-1 / network: its own state, so a network change cannot touch the data layer's state.

terraform {
  required_version = ">= 1.6"
  backend "s3" {
    bucket         = "dfp-terraform-state-prod"
    key            = "prod/eu-west-1/network.tfstate"
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
    tags = { env = "prod", region = "eu-west-1", layer = "network", managed_by = "terraform" }
  }
}

# CIDRs from the computed address plan (02 Infrastructure); a test checks they match it.
module "network" {
  source          = "../../../modules/network"
  name            = "dfp-prod-euw1"
  vpc_cidr        = "10.1.0.0/16"
  azs             = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  private_subnets = ["10.1.0.0/19", "10.1.32.0/19", "10.1.64.0/19"]
  data_subnets    = ["10.1.128.0/22", "10.1.132.0/22", "10.1.136.0/22"]
  public_subnets  = ["10.1.144.0/24", "10.1.145.0/24", "10.1.146.0/24"]
}
