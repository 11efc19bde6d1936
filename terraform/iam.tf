data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "handler" {
  name               = local.names.role
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

# Exactly the API actions the function and its event source mapping perform, each on the one
# resource it touches (test/terraform checks this against the calls observed in a local run).
data "aws_iam_policy_document" "handler" {
  statement {
    sid       = "WriteAndReadProducts"
    actions   = ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"]
    resources = [aws_dynamodb_table.products.arn]
  }

  statement {
    sid       = "AnswerReads"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.output.arn]
  }

  statement {
    sid       = "ParkRejectedMessages"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]
  }

  # The SQS event source mapping polls with the function's role.
  statement {
    sid       = "PollInputQueue"
    actions   = ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]
    resources = [aws_sqs_queue.input.arn]
  }

  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function.arn}:*"]
  }

  # Active tracing: Lambda sends the function's trace segments with its role. X-Ray's write actions
  # have no resource-level permissions, hence "*", and only in that mode.
  dynamic "statement" {
    for_each = var.tracing_mode == "Active" ? ["*"] : []

    content {
      sid       = "WriteTraces"
      actions   = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.sqs_kms_key_arn == null ? [] : [var.sqs_kms_key_arn]

    content {
      sid       = "UseQueueKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "handler" {
  name   = "${local.names.function}-policy"
  role   = aws_iam_role.handler.id
  policy = data.aws_iam_policy_document.handler.json
}
