# The regional event stream. Provisioned shards since ADR-0009: the count comes from the sizing rule
# (regional peak plus one tenant at its rate limit, with headroom), computed in 02 Infrastructure.

variable "name" {
  type = string
}

variable "shard_count" {
  description = "Provisioned shards from the stream-capacity notebook"
  type        = number
}

variable "retention_hours" {
  description = "Replay window for downstream bugs"
  type        = number
}

variable "kms_key_arn" {
  type = string
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_kinesis_stream" "this" {
  name             = var.name
  shard_count      = var.shard_count
  retention_period = var.retention_hours
  encryption_type  = "KMS"
  kms_key_id       = var.kms_key_arn

  stream_mode_details {
    stream_mode = "PROVISIONED"
  }

  shard_level_metrics = ["IncomingBytes", "IncomingRecords", "WriteProvisionedThroughputExceeded"]
  tags                = var.tags
}

output "stream_arn" {
  value = aws_kinesis_stream.this.arn
}
