locals {
  names = {
    table             = "${var.prefix}-products"
    input_queue       = "${var.prefix}-input"
    output_queue      = "${var.prefix}-output"
    dead_letter_queue = "${var.prefix}-dlq"
    function          = "${var.prefix}-handler"
    role              = "${var.prefix}-handler-role"
    layer             = "${var.prefix}-bun"
    artifact_bucket   = "${var.prefix}-artifacts-"
    live_alias        = "live"
  }

  dist_dir     = coalesce(var.dist_dir, "${path.module}/../dist")
  function_zip = "${local.dist_dir}/function.zip"
  layer_zip    = "${local.dist_dir}/layer-${var.architecture}.zip"

  # AWS: the source queue's visibility timeout at least 6x the function timeout plus the batching window.
  visibility_timeout_seconds = 6 * var.timeout + var.batching_window_seconds

  # SQS's largest message (1 MiB), on every queue: the provider would otherwise create them with 256 KiB,
  # below what the message contract accepts and what the function's SendMessageBatch sizing assumes.
  sqs_max_message_bytes = 1048576

  # The DLQ retains for SQS's maximum, longer than any source retention the variables allow.
  dead_letter_retention_seconds = 1209600
}
