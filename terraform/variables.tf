variable "prefix" {
  description = "Prefix of every resource name (table, queues, function, layer, bucket)."
  type        = string
  default     = "bun-sqs-lambda"

  validation {
    # 40 characters keeps the artifact bucket name (prefix-artifacts-ACCOUNT) within S3's 63.
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.prefix))
    error_message = "prefix must be 1-40 lowercase letters, digits or hyphens, starting with a letter."
  }

  validation {
    # S3 reserves these bucket name prefixes; the bucket is "<prefix>-artifacts-<account>", so a prefix
    # such as "xn-" or "sthree" reaches them too. Its reserved suffixes (-s3alias, --ol-s3, .mrap, --x-s3,
    # --table-s3) cannot occur: the name ends with the 12-digit account id.
    condition     = alltrue([for reserved in ["xn--", "sthree-", "amzn-s3-demo-"] : !startswith("${var.prefix}-artifacts-", reserved)])
    error_message = "prefix must not make the bucket name start with a prefix S3 reserves (xn--, sthree-, amzn-s3-demo-)."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}

variable "region" {
  description = "AWS region; null uses the provider's usual sources (AWS_REGION, profile)."
  type        = string
  default     = null
}

variable "architecture" {
  description = "Lambda architecture; the matching dist/layer-<arch>.zip is published."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  description = "Function memory in MB (CPU is allocated in proportion: one vCPU at 1,769 MB)."
  type        = number
  default     = 1024

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size must be a whole number of MB between 128 and 10240."
  }
}

variable "timeout" {
  description = "Function timeout in seconds; the input queue's visibility timeout is derived from it."
  type        = number
  default     = 30

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds between 1 and 900."
  }
}

variable "log_level" {
  description = "Application log level (AWS_LAMBDA_LOG_LEVEL, set through logging_config)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.log_level)
    error_message = "log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's CloudWatch log group, in days."
  type        = number
  default     = 14

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ... 3653)."
  }
}

variable "log_group_class" {
  description = "Class of the function's log group: STANDARD, or INFREQUENT_ACCESS (cheaper ingestion, but no metric filters or embedded metrics). Changing it replaces the log group."
  type        = string
  default     = "STANDARD"

  validation {
    condition     = contains(["STANDARD", "INFREQUENT_ACCESS"], var.log_group_class)
    error_message = "log_group_class must be STANDARD or INFREQUENT_ACCESS."
  }
}

variable "tracing_mode" {
  description = "X-Ray tracing of the function: PassThrough (Lambda's default: traced only when the caller sampled) or Active (Lambda samples and the role may write traces)."
  type        = string
  default     = "PassThrough"

  validation {
    condition     = contains(["PassThrough", "Active"], var.tracing_mode)
    error_message = "tracing_mode must be PassThrough or Active."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the function; null reserves none (the account's unreserved pool). At least maximum_concurrency, or the event source mapping is throttled."
  type        = number
  default     = null

  validation {
    # A conditional, not ||: Terraform evaluates both sides of || and a null comparison is an error.
    condition     = var.reserved_concurrent_executions == null ? true : floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions && var.reserved_concurrent_executions >= var.maximum_concurrency
    error_message = "reserved_concurrent_executions must be null or a whole number at least maximum_concurrency (the event source mapping's)."
  }
}

variable "event_source_metrics" {
  description = "Event source mapping metrics to publish to CloudWatch (EventCount: polled, filtered, invoked, failed and deleted events); [] publishes none."
  type        = list(string)
  default     = ["EventCount"]

  validation {
    # ErrorCount and KafkaMetrics exist only for Kafka sources.
    condition     = alltrue([for m in var.event_source_metrics : m == "EventCount"]) && length(var.event_source_metrics) <= 1
    error_message = "event_source_metrics must be [\"EventCount\"] or [] for an SQS event source."
  }
}

variable "batch_size" {
  description = "Records per invocation: at most 10 without a batching window, at most 10,000 with one."
  type        = number
  default     = 10

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000 && floor(var.batch_size) == var.batch_size
    error_message = "batch_size must be a whole number between 1 and 10000."
  }
}

variable "batching_window_seconds" {
  description = "How long the event source mapping gathers records before invoking (0 to 300 s)."
  type        = number
  default     = 0

  validation {
    condition     = var.batching_window_seconds >= 0 && var.batching_window_seconds <= 300 && floor(var.batching_window_seconds) == var.batching_window_seconds
    error_message = "batching_window_seconds must be a whole number between 0 and 300."
  }
}

variable "maximum_concurrency" {
  description = "Most concurrent invocations the SQS event source mapping may drive (2 to 1000)."
  type        = number
  default     = 10

  validation {
    condition     = var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000 && floor(var.maximum_concurrency) == var.maximum_concurrency
    error_message = "maximum_concurrency must be a whole number between 2 and 1000."
  }
}

variable "function_max_concurrency" {
  description = "AWS requests in flight within one invocation (the function's MAX_CONCURRENCY)."
  type        = number
  default     = 32

  validation {
    condition     = var.function_max_concurrency >= 1 && var.function_max_concurrency <= 1000 && floor(var.function_max_concurrency) == var.function_max_concurrency
    error_message = "function_max_concurrency must be a whole number between 1 and 1000."
  }
}

variable "max_receive_count" {
  description = "Receives before a message is moved to the dead-letter queue (AWS advises at least 5)."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 5 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number between 5 and 1000."
  }
}

variable "message_retention_seconds" {
  description = "Retention of the input and output queues; the dead-letter queue keeps messages for 14 days, longer."
  type        = number
  default     = 345600

  validation {
    # The DLQ keeps a message's original enqueue time: it must retain longer than the source.
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds < 1209600
    error_message = "message_retention_seconds must be at least 60 and less than 1209600 (the dead-letter queue's 14 days)."
  }
}

variable "sqs_kms_key_arn" {
  description = "ARN of the KMS key for the queues (a key, not an alias); null uses SQS-managed encryption (SSE-SQS)."
  type        = string
  default     = null

  validation {
    # The ARN is also the IAM Resource of the function's kms: statement, and an alias ARN there grants nothing
    # on the key. Key ids are UUIDs, or mrk-<32 hex> for multi-Region keys.
    condition     = var.sqs_kms_key_arn == null || can(regex("^arn:aws(-[a-z]+)*:kms:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", var.sqs_kms_key_arn))
    error_message = "sqs_kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID), not an alias, or null."
  }
}

variable "point_in_time_recovery" {
  description = "Enable DynamoDB point-in-time recovery on the products table."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Protect the products table from deletion (set false before terraform destroy)."
  type        = bool
  default     = false
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic every alarm notifies (alarm and OK); null for no notification."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:", var.alarm_sns_topic_arn))
    error_message = "alarm_sns_topic_arn must be an SNS topic ARN or null."
  }
}

variable "alarm_oldest_message_age_seconds" {
  description = "Alarm when the input queue's oldest message is this old (seconds): the function is not keeping up or keeps failing. Keep it below message_retention_seconds, or messages expire before it fires."
  type        = number
  default     = 900

  validation {
    condition     = var.alarm_oldest_message_age_seconds >= 60 && var.alarm_oldest_message_age_seconds < 1209600 && floor(var.alarm_oldest_message_age_seconds) == var.alarm_oldest_message_age_seconds
    error_message = "alarm_oldest_message_age_seconds must be a whole number of seconds from 60 to less than 1209600 (SQS's longest retention)."
  }
}

variable "dist_dir" {
  description = "Folder holding function-<arch>.zip and layer-<arch>.zip from bun run build; null means ../dist."
  type        = string
  default     = null
}

variable "live_version" {
  description = "Function version the live alias (and so the event source mapping) runs; null runs the version this apply publishes. Set an earlier version to roll back."
  type        = string
  default     = null

  validation {
    condition     = var.live_version == null || can(regex("^[1-9][0-9]*$", var.live_version))
    error_message = "live_version must be a published version number (1, 2, ...) or null."
  }
}

variable "metrics_enabled" {
  description = "Write the function's metrics (one EMF log line per invocation); false saves their custom-metric cost."
  type        = bool
  default     = true
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the function's metrics (shown on the dashboard)."
  type        = string
  default     = "BunSqsLambda"

  validation {
    condition     = can(regex("^[ -~]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/") && !startswith(var.metrics_namespace, ":")
    error_message = "metrics_namespace must be 1-255 printable ASCII characters, not starting with AWS/ or :."
  }
}

variable "metrics_dimensions" {
  description = "Dimensions added to FunctionName on every function metric, e.g. { Stage = \"prod\" }."
  type        = map(string)
  default     = {}

  validation {
    # As the function parses METRICS_DIMENSIONS: "," and "=" separate, blanks around them are trimmed.
    condition = length(var.metrics_dimensions) <= 29 && alltrue([
      for k, v in var.metrics_dimensions :
      can(regex("^[ -~]{1,255}$", k)) && can(regex("^[ -~]+$", v)) && length(v) <= 1024 && trimspace(k) == k && trimspace(v) == v &&
      length(regexall("[,=]", "${k}${v}")) == 0 && !startswith(k, ":") && k != "FunctionName"
    ])
    error_message = "metrics_dimensions: at most 29 entries besides FunctionName; names 1-255 and values 1-1024 printable ASCII characters without \",\" or \"=\", names not starting with \":\"."
  }
}
