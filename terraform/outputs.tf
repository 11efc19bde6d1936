output "input_queue_url" {
  description = "Send product messages here."
  value       = aws_sqs_queue.input.url
}

output "input_queue_arn" {
  description = "ARN of the input queue."
  value       = aws_sqs_queue.input.arn
}

output "output_queue_url" {
  description = "Read answers to {\"pk\"} messages here."
  value       = aws_sqs_queue.output.url
}

output "output_queue_arn" {
  description = "ARN of the output queue."
  value       = aws_sqs_queue.output.arn
}

output "dead_letter_queue_url" {
  description = "Rejected and repeatedly failing messages land here."
  value       = aws_sqs_queue.dead_letter.url
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dead_letter.arn
}

output "table_name" {
  description = "The products table."
  value       = aws_dynamodb_table.products.name
}

output "function_name" {
  description = "The Lambda function."
  value       = aws_lambda_function.handler.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = aws_lambda_function.handler.arn
}

output "function_version" {
  description = "The version this apply published."
  value       = aws_lambda_function.handler.version
}

output "live_alias_arn" {
  description = "ARN of the live alias the event source mapping invokes, and the version it points at."
  value       = aws_lambda_alias.live.arn
}

output "live_version" {
  description = "The function version the live alias runs."
  value       = aws_lambda_alias.live.function_version
}

output "layer_arn" {
  description = "ARN (with version) of the published Bun runtime layer."
  value       = aws_lambda_layer_version.bun.arn
}

output "alarm_arns" {
  description = "ARN of each alarm, by key: function_errors, function_throttles, input_oldest_message_age, dead_letters."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.arn }
}

output "alarm_names" {
  description = "Name of each alarm, by key (as alarm_arns)."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.alarm_name }
}
