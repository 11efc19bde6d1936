locals {
  names = {
    table             = "${var.prefix}-products"
    input_queue       = "${var.prefix}-input"
    output_queue      = "${var.prefix}-output"
    dead_letter_queue = "${var.prefix}-dlq"
    function          = "${var.prefix}-handler"
    layer             = "${var.prefix}-bun"
  }

  dist_dir     = coalesce(var.dist_dir, "${path.module}/../dist")
  function_zip = "${local.dist_dir}/function.zip"
  layer_zip    = "${local.dist_dir}/layer-${var.architecture}.zip"

  # AWS: the source queue's visibility timeout at least 6x the function timeout plus the batching window.
  visibility_timeout_seconds = 6 * var.timeout + var.batching_window_seconds

  # The DLQ retains for SQS's maximum, longer than any source retention the variables allow.
  dead_letter_retention_seconds = 1209600
}
