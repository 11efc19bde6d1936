# The Bun layer is close to Lambda's 50 MB direct-upload limit, so it is published from S3.
data "aws_caller_identity" "current" {}

resource "aws_s3_bucket" "artifacts" {
  bucket        = "${local.names.artifact_bucket}${data.aws_caller_identity.current.account_id}"
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_object" "layer" {
  bucket      = aws_s3_bucket.artifacts.id
  key         = "layers/bun-${var.architecture}-${filesha256(local.layer_zip)}.zip"
  source      = local.layer_zip
  source_hash = filemd5(local.layer_zip)
}
