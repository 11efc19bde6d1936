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
  function_zip = "${local.dist_dir}/function-${var.architecture}.zip"
  layer_zip    = "${local.dist_dir}/layer-${var.architecture}.zip"

  # AWS: the source queue's visibility timeout at least 6x the function timeout plus the batching window.
  visibility_timeout_seconds = 6 * var.timeout + var.batching_window_seconds

  # SQS's largest message (1 MiB), on every queue: the provider would otherwise create them with 256 KiB,
  # below what the message contract accepts and what the function's SendMessageBatch sizing assumes.
  sqs_max_message_bytes = 1048576

  # The DLQ retains for SQS's maximum, longer than any source retention the variables allow.
  dead_letter_retention_seconds = 1209600

  # Every alarm notifies the one optional topic.
  alarm_actions = var.alarm_sns_topic_arn == null ? [] : [var.alarm_sns_topic_arn]

  # The alarms, by key (aws_cloudwatch_metric_alarm.this["<key>"], outputs alarm_arns and alarm_names).
  # With partial batch responses a failing message is not a function error: Errors counts crashes and
  # timeouts, Throttles a reserved concurrency or account limit below what the mapping drives.
  alarms = {
    function_errors = {
      name        = "${local.names.function}-errors"
      description = "${local.names.function} failed invocations (crash, timeout, out of memory): whole batches come back."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = { FunctionName = local.names.function }
      statistic   = "Sum"
      threshold   = 0
    }
    function_throttles = {
      name        = "${local.names.function}-throttles"
      description = "${local.names.function} invocations throttled: reserved concurrency or the account limit is below what the mapping drives."
      namespace   = "AWS/Lambda"
      metric      = "Throttles"
      dimensions  = { FunctionName = local.names.function }
      statistic   = "Sum"
      threshold   = 0
    }
    input_oldest_message_age = {
      name        = "${local.names.input_queue}-oldest-message-age"
      description = "The oldest message in ${local.names.input_queue} is older than ${var.alarm_oldest_message_age_seconds} s: processing is behind or failing."
      namespace   = "AWS/SQS"
      metric      = "ApproximateAgeOfOldestMessage"
      dimensions  = { QueueName = local.names.input_queue }
      statistic   = "Maximum"
      threshold   = var.alarm_oldest_message_age_seconds
    }
    dead_letters = {
      name        = "${local.names.dead_letter_queue}-not-empty"
      description = "Messages are waiting in ${local.names.dead_letter_queue}: poison messages or repeated failures."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = local.names.dead_letter_queue }
      statistic   = "Maximum"
      threshold   = 0
    }
  }
}
