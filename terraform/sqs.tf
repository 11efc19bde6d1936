resource "aws_sqs_queue" "dead_letter" {
  name                      = local.names.dead_letter_queue
  message_retention_seconds = local.dead_letter_retention_seconds
  max_message_size          = local.sqs_max_message_bytes
  sqs_managed_sse_enabled   = var.sqs_kms_key_arn == null ? true : null
  kms_master_key_id         = var.sqs_kms_key_arn
}

resource "aws_sqs_queue" "input" {
  name                       = local.names.input_queue
  visibility_timeout_seconds = local.visibility_timeout_seconds
  message_retention_seconds  = var.message_retention_seconds
  max_message_size           = local.sqs_max_message_bytes
  sqs_managed_sse_enabled    = var.sqs_kms_key_arn == null ? true : null
  kms_master_key_id          = var.sqs_kms_key_arn

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = var.max_receive_count
  })
}

# Only the input queue may redrive into the dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.input.arn]
  })
}

resource "aws_sqs_queue" "output" {
  name                      = local.names.output_queue
  message_retention_seconds = var.message_retention_seconds
  max_message_size          = local.sqs_max_message_bytes
  sqs_managed_sse_enabled   = var.sqs_kms_key_arn == null ? true : null
  kms_master_key_id         = var.sqs_kms_key_arn
}
