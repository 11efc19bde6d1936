resource "aws_lambda_layer_version" "bun" {
  layer_name               = local.names.layer
  description              = "Bun custom runtime (bootstrap, runtime loop, bun binary)"
  s3_bucket                = aws_s3_object.layer.bucket
  s3_key                   = aws_s3_object.layer.key
  source_code_hash         = filebase64sha256(local.layer_zip)
  compatible_runtimes      = ["provided.al2023"]
  compatible_architectures = [var.architecture]

  # A new layer zip publishes a new version and keeps the previous ones, which earlier function versions
  # still reference: rolling the live alias back must find its layer. terraform destroy leaves them too.
  skip_destroy = true
}

# Created before the function, so Lambda never creates it without a retention.
resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${local.names.function}"
  retention_in_days = var.log_retention_days
  log_group_class   = var.log_group_class
}

resource "aws_lambda_function" "handler" {
  function_name    = local.names.function
  role             = aws_iam_role.handler.arn
  runtime          = "provided.al2023"
  handler          = "handler.handler"
  architectures    = [var.architecture]
  filename         = local.function_zip
  source_code_hash = filebase64sha256(local.function_zip)
  memory_size      = var.memory_size
  timeout          = var.timeout
  layers           = [aws_lambda_layer_version.bun.arn]

  reserved_concurrent_executions = var.reserved_concurrent_executions

  # Every change publishes an immutable version; the live alias chooses which one runs.
  publish = true

  # Exactly what src/config.ts reads; the log level reaches it as AWS_LAMBDA_LOG_LEVEL via logging_config.
  environment {
    variables = {
      TABLE_NAME            = aws_dynamodb_table.products.name
      OUTPUT_QUEUE_URL      = aws_sqs_queue.output.url
      DEAD_LETTER_QUEUE_URL = aws_sqs_queue.dead_letter.url
      MAX_CONCURRENCY       = tostring(var.function_max_concurrency)
      METRICS_ENABLED       = tostring(var.metrics_enabled)
      METRICS_NAMESPACE     = var.metrics_namespace
      METRICS_DIMENSIONS    = join(",", [for k in sort(keys(var.metrics_dimensions)) : "${k}=${var.metrics_dimensions[k]}"])
    }
  }

  tracing_config {
    mode = var.tracing_mode
  }

  logging_config {
    log_format            = "JSON"
    application_log_level = var.log_level
    system_log_level      = "INFO"
    log_group             = aws_cloudwatch_log_group.function.name
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.handler]
}

# The event source mapping invokes this alias, so a bad deploy is rolled back by pointing it at an
# earlier version (live_version), without touching the mapping or the queue.
resource "aws_lambda_alias" "live" {
  name             = local.names.live_alias
  description      = "The version the SQS event source mapping invokes."
  function_name    = aws_lambda_function.handler.function_name
  function_version = coalesce(var.live_version, aws_lambda_function.handler.version)
}

resource "aws_lambda_event_source_mapping" "input" {
  event_source_arn                   = aws_sqs_queue.input.arn
  function_name                      = aws_lambda_alias.live.arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.maximum_concurrency
  }

  dynamic "metrics_config" {
    for_each = length(var.event_source_metrics) > 0 ? [var.event_source_metrics] : []

    content {
      metrics = metrics_config.value
    }
  }

  lifecycle {
    precondition {
      condition     = var.batch_size <= 10 || var.batching_window_seconds >= 1
      error_message = "A batch_size above 10 needs a batching window of at least 1 second."
    }
  }
}
