variable "name" {
  description = "Name prefix: dfp-<env>-<region short name>"
  type        = string
}

variable "vpc_cidr" {
  description = "The VPC block from the address plan (prod region i = 10.i.0.0/16)"
  type        = string
}

variable "azs" {
  description = "Availability zones in use; subnet lists are indexed the same way"
  type        = list(string)
}

variable "private_subnets" {
  description = "One /19 per AZ for EKS nodes and pods"
  type        = list(string)
}

variable "data_subnets" {
  description = "One /22 per AZ for RDS and interface endpoints"
  type        = list(string)
}

variable "public_subnets" {
  description = "One /24 per AZ for load balancers and NAT gateways"
  type        = list(string)
}

variable "nat_gateway_per_az" {
  description = "One NAT gateway per AZ (true) or one shared (false: cheaper, a cross-AZ dependency)"
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags on every resource (cost attribution reads env, region, layer)"
  type        = map(string)
  default     = {}
}
