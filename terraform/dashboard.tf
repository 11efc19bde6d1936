# One CloudWatch dashboard for the stack: throughput, outcomes, failures, backlog, time and the
# function's own metrics (written as EMF log lines, so they cost no API call). The alarms are the
# ones defined beside their resources, shown here, never redefined.

locals {
  # Every dashboard value that comes from a resource, in one place (the rest derives from names).
  dashboard_region = split(":", aws_sqs_queue.input.arn)[3]
  dashboard_alarms = [for alarm in aws_cloudwatch_metric_alarm.this : alarm.arn]

  # The EMF metrics' full identity: FunctionName plus the configured dimensions.
  emf_dimensions = concat(
    ["FunctionName", local.names.function],
    flatten([for k in sort(keys(var.metrics_dimensions)) : [k, var.metrics_dimensions[k]]])
  )
  emf = { for name in [
    "RecordsReceived", "RecordsAdded", "ReadsFound", "ReadsNotFound", "RecordsDeadLettered", "RecordsRetried",
    "RecordsHandedBack", "DeadlineHit", "ColdStart", "InvocationDuration", "OldestRecordAge",
    "AwsRequests.BatchWriteItem", "AwsRequests.BatchGetItem", "AwsRequests.SendMessageBatch"
  ] : name => concat([var.metrics_namespace, name], local.emf_dimensions) }

  lambda_metric = { for name in ["Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"] :
  name => ["AWS/Lambda", name, "FunctionName", local.names.function] }

  dashboard_widgets = [
    {
      type = "text", x = 0, y = 0, width = 24, height = 2
      properties = {
        markdown = join("", [
          "## ${local.names.function}\n",
          "SQS `${local.names.input_queue}` → Lambda → DynamoDB `${local.names.table}` / SQS `${local.names.output_queue}`; ",
          "rejected messages in `${local.names.dead_letter_queue}`. The function's own metrics are in the namespace ",
          "`${var.metrics_namespace}` (one EMF line per invocation, `METRICS_ENABLED`)."
        ])
      }
    },
    {
      type = "metric", x = 0, y = 2, width = 8, height = 6
      properties = {
        title = "Throughput (per minute)", region = local.dashboard_region, view = "timeSeries", stacked = false, period = 60
        metrics = [
          ["AWS/SQS", "NumberOfMessagesSent", "QueueName", local.names.input_queue, { stat = "Sum", label = "messages sent to the input queue" }],
          concat(local.emf["RecordsReceived"], [{ stat = "Sum", label = "records received by the function" }]),
          concat(local.lambda_metric["Invocations"], [{ stat = "Sum", label = "invocations" }])
        ]
      }
    },
    {
      type = "metric", x = 8, y = 2, width = 8, height = 6
      properties = {
        title = "Record outcomes (per minute)", region = local.dashboard_region, view = "timeSeries", stacked = true, period = 60
        metrics = [
          concat(local.emf["RecordsAdded"], [{ stat = "Sum", label = "added" }]),
          concat(local.emf["ReadsFound"], [{ stat = "Sum", label = "answered: found" }]),
          concat(local.emf["ReadsNotFound"], [{ stat = "Sum", label = "answered: not found" }]),
          concat(local.emf["RecordsDeadLettered"], [{ stat = "Sum", label = "parked in the DLQ" }]),
          concat(local.emf["RecordsHandedBack"], [{ stat = "Sum", label = "handed back to SQS" }])
        ]
      }
    },
    {
      type = "metric", x = 16, y = 2, width = 8, height = 6
      properties = {
        title = "Failures and retries (per minute)", region = local.dashboard_region, view = "timeSeries", stacked = false, period = 60
        metrics = [
          concat(local.lambda_metric["Errors"], [{ stat = "Sum", label = "invocation errors" }]),
          concat(local.lambda_metric["Throttles"], [{ stat = "Sum", label = "throttles" }]),
          concat(local.emf["RecordsHandedBack"], [{ stat = "Sum", label = "records handed back" }]),
          concat(local.emf["RecordsRetried"], [{ stat = "Sum", label = "entries retried in the invocation" }]),
          concat(local.emf["DeadlineHit"], [{ stat = "Sum", label = "invocations cut at the deadline" }])
        ]
      }
    },
    {
      type = "metric", x = 0, y = 8, width = 8, height = 6
      properties = {
        title = "How far behind: age of the oldest message (s)", region = local.dashboard_region, view = "timeSeries", period = 60
        metrics = [
          ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", local.names.input_queue, { stat = "Maximum", label = "oldest message waiting in the queue" }],
          concat(local.emf["OldestRecordAge"], [{ stat = "Maximum", id = "age", visible = false }]),
          [{ expression = "age / 1000", label = "oldest record at an invocation's start", id = "age_s" }],
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", local.names.input_queue, { stat = "Maximum", label = "messages waiting", yAxis = "right" }]
        ]
      }
    },
    {
      type = "metric", x = 8, y = 8, width = 8, height = 6
      properties = {
        title = "Dead-letter queue depth", region = local.dashboard_region, view = "timeSeries", period = 60
        metrics = [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", local.names.dead_letter_queue, { stat = "Maximum", label = "messages in the DLQ" }]
        ]
      }
    },
    {
      type       = "alarm", x = 16, y = 8, width = 8, height = 6
      properties = { title = "Alarms", alarms = local.dashboard_alarms }
    },
    {
      type = "metric", x = 0, y = 14, width = 8, height = 6
      properties = {
        title = "Duration (ms)", region = local.dashboard_region, view = "timeSeries", period = 60
        metrics = [
          concat(local.lambda_metric["Duration"], [{ stat = "p50", label = "p50" }]),
          concat(local.lambda_metric["Duration"], [{ stat = "p90", label = "p90" }]),
          concat(local.lambda_metric["Duration"], [{ stat = "p99", label = "p99" }]),
          concat(local.lambda_metric["Duration"], [{ stat = "Maximum", label = "max" }]),
          concat(local.emf["InvocationDuration"], [{ stat = "p99", label = "p99 inside the handler (EMF)" }])
        ]
      }
    },
    {
      type = "metric", x = 8, y = 14, width = 8, height = 6
      properties = {
        title = "Concurrent executions and cold starts", region = local.dashboard_region, view = "timeSeries", period = 60
        metrics = [
          concat(local.lambda_metric["ConcurrentExecutions"], [{ stat = "Maximum", label = "concurrent executions" }]),
          concat(local.emf["ColdStart"], [{ stat = "Sum", label = "cold starts", yAxis = "right" }])
        ]
      }
    },
    {
      type = "metric", x = 16, y = 14, width = 8, height = 6
      properties = {
        title = "AWS requests per operation (per minute)", region = local.dashboard_region, view = "timeSeries", stacked = true, period = 60
        metrics = [
          concat(local.emf["AwsRequests.BatchWriteItem"], [{ stat = "Sum", label = "BatchWriteItem" }]),
          concat(local.emf["AwsRequests.BatchGetItem"], [{ stat = "Sum", label = "BatchGetItem" }]),
          concat(local.emf["AwsRequests.SendMessageBatch"], [{ stat = "Sum", label = "SendMessageBatch" }])
        ]
      }
    }
  ]
}

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = var.prefix
  dashboard_body = jsonencode({ start = "-PT3H", widgets = local.dashboard_widgets })
}
