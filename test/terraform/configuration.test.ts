import { describe, expect, test } from "bun:test"
import { readdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { resourceNames, STACK_DEFAULTS } from "../../local/stack/defaults.ts"
import { PARTITION_KEY } from "../../src/aws/product-table.ts"
import { SEND_BATCH_BYTES } from "../../src/aws/sqs-queue.ts"
import { ENV } from "../../src/config.ts"
import { SQS_MESSAGE_MAX_BYTES, sqsMessageBytes } from "../../src/domain/limits.ts"
import { SQS_MAX_MESSAGE_BYTES } from "./aws-rules.ts"
import { type Engine, evaluateIn as evaluateWith, type Vars } from "./engine.ts"
import { block, type Configuration, resource } from "./load.ts"
import { terraformUnderTest } from "./under-test.ts"

const TF_TIMEOUT = 30_000

let tf: Configuration
let engine: Engine
terraformUnderTest(TF_TIMEOUT, (config, started) => void ([tf, engine] = [config, started]))

/** A resource's expression, on the variables and locals the real engine computed. */
const evaluateIn = (value: unknown, vars: Vars = {}) => evaluateWith(engine, value, vars)

/** Locals as the real terraform engine computes them. */
// One terraform console call computes every local for a set of variables (engine.scope caches it).
const local = (name: string, vars: Vars = {}) => {
  const locals = engine.scope(vars).locals
  if (!(name in locals)) throw new Error(`terraform computed no local.${name}`)
  return locals[name]
}

describe("terraform/: files and declarations", () => {
  test("split by family: versions, variables, outputs and one file per resource family", () => {
    const files = [
      "cloudwatch.tf",
      "dynamodb.tf",
      "iam.tf",
      "lambda.tf",
      "locals.tf",
      "outputs.tf",
      "s3.tf",
      "sqs.tf",
      "variables.tf",
      "versions.tf"
    ]
    // dashboard.tf (the CloudWatch dashboard) is planned; any other file must be added here knowingly.
    expect(Object.keys(tf.files).filter((f) => f !== "dashboard.tf").sort()).toEqual(files)
  })

  // The provider version that first accepts each feature the configuration uses, and how to see it is used.
  // From the provider's CHANGELOG; where only the major is known, its first release bounds it from above.
  const FEATURES: Array<{ feature: string; since: string; used: (c: Configuration) => boolean }> = [
    {
      feature: "aws_sqs_queue max_message_size up to 1 MiB",
      since: "6.8.0",
      used: (c) => Object.values(c.resources.aws_sqs_queue ?? {}).some((q) => q.max_message_size !== undefined)
    },
    {
      feature: "aws_lambda_function logging_config",
      since: "5.32.0",
      used: (c) => resource(c, "aws_lambda_function", "handler").logging_config !== undefined
    },
    {
      feature: "runtime provided.al2023",
      since: "5.26.0",
      used: (c) => resource(c, "aws_lambda_function", "handler").runtime === "provided.al2023"
    }
  ]
  const semver = (v: string) => v.split(".").map(Number).reduce((n, part) => n * 1000 + part, 0)

  test("the provider range: the lowest version that has every feature used, and no next major", () => {
    const terraform = tf.terraform[0] as Record<string, any>
    const aws = terraform.required_providers[0].aws
    expect(aws.source).toBe("hashicorp/aws")
    const m = /^>= (\d+\.\d+\.\d+), < (\d+)\.0$/.exec(aws.version)
    expect(m, aws.version).not.toBeNull()
    const used = FEATURES.filter((f) => f.used(tf))
    expect(used.map((f) => f.feature)).toEqual(FEATURES.map((f) => f.feature))
    expect(m![1]).toBe(used.map((f) => f.since).sort((a, b) => semver(b) - semver(a))[0])
    expect(Number(m![2])).toBe(Number(m![1]!.split(".")[0]) + 1)
  })

  test("tags from one map", () => {
    expect(tf.providers.aws![0]!.default_tags).toEqual([{ tags: "${var.tags}" }])
  })

  test("every variable has a type and a description", () => {
    for (const [name, v] of Object.entries(tf.variables)) {
      expect(typeof v.type, name).toBe("string")
      expect(String(v.description ?? "").length, name).toBeGreaterThan(10)
    }
  })

  test("every output has a description; the outputs users need are there", () => {
    for (const [name, o] of Object.entries(tf.outputs)) {
      expect(String(o.description ?? "").length, name).toBeGreaterThan(5)
    }
    expect(Object.keys(tf.outputs).sort()).toEqual([
      "alarm_arns",
      "alarm_names",
      "dead_letter_queue_arn",
      "dead_letter_queue_url",
      "function_arn",
      "function_name",
      "function_version",
      "input_queue_arn",
      "input_queue_url",
      "layer_arn",
      "live_alias_arn",
      "live_version",
      "output_queue_arn",
      "output_queue_url",
      "table_name"
    ])
  })

  test("every var., local., data. and resource reference resolves to a declaration", () => {
    const declared = new Set<string>()
    for (const [type, byName] of Object.entries(tf.resources)) {
      for (const n of Object.keys(byName)) declared.add(`${type}.${n}`)
    }
    for (const [type, byName] of Object.entries(tf.data)) {
      for (const n of Object.keys(byName)) declared.add(`data.${type}.${n}`)
    }
    const text = Object.values(tf.files).join("\n").replace(/#.*$/gm, "")
    const refs = [...text.matchAll(/\b(var|local|data\.[a-z0-9_]+|aws_[a-z0-9_]+)\.([a-z0-9_]+)/g)].map((m) =>
      [m[1]!, m[2]!] as const
    )
    expect(refs.length).toBeGreaterThan(40)
    for (const [kind, name] of refs) {
      if (kind === "var") expect(tf.variables, `var.${name}`).toHaveProperty(name)
      else if (kind === "local") expect(tf.locals, `local.${name}`).toHaveProperty(name)
      else expect(declared.has(`${kind}.${name}`), `${kind}.${name}`).toBe(true)
    }
  })

  test("every declared variable is used", () => {
    const text = Object.values(tf.files).join("\n")
    for (const name of Object.keys(tf.variables)) expect(text.includes(`var.${name}`), name).toBe(true)
  })
})

describe("terraform/: resources and their settings", () => {
  test("DynamoDB: pk string hash key, on demand, encrypted, PITR and deletion protection from variables", () => {
    const t = resource(tf, "aws_dynamodb_table", "products")
    expect(t).toMatchObject({
      billing_mode: "PAY_PER_REQUEST",
      hash_key: PARTITION_KEY,
      deletion_protection_enabled: "${var.deletion_protection}"
    })
    expect(block(t, "attribute")).toEqual({ name: PARTITION_KEY, type: "S" })
    expect(block(t, "server_side_encryption")).toEqual({ enabled: true })
    expect(block(t, "point_in_time_recovery")).toEqual({ enabled: "${var.point_in_time_recovery}" })
  })

  test("every queue takes SQS's largest message, the size the function's SendMessageBatch sizing assumes", () => {
    const queues = tf.resources.aws_sqs_queue!
    expect(Object.keys(queues).sort()).toEqual(["dead_letter", "input", "output"])
    for (const [name, q] of Object.entries(queues)) {
      expect(q.max_message_size, name).toBe("${local.sqs_max_message_bytes}")
    }
    const limit = local("sqs_max_message_bytes")
    expect(limit).toBe(SQS_MAX_MESSAGE_BYTES)
    expect(SEND_BATCH_BYTES).toBe(limit as number)
    // The message contract sizes what the function sends to the queues by the same limit.
    expect(SQS_MESSAGE_MAX_BYTES).toBe(limit as number)
    // One message of the queue's largest size is one request the function can send (bodies are counted in bytes).
    expect(sqsMessageBytes({ body: "é".repeat(SQS_MAX_MESSAGE_BYTES / 2), attributes: {} })).toBe(SEND_BATCH_BYTES)
    // The README's contract and its known limit speak of the same number.
    const readme = readFileSync(resolve(import.meta.dir, "../../README.md"), "utf8")
    expect(readme).toContain("1 MiB")
    expect(readme).not.toMatch(/256 ?KiB/)
  }, TF_TIMEOUT)

  test(
    "queues: encrypted with SSE-SQS by default or the KMS key; input redrives to the DLQ, which only allows the input",
    () => {
      for (const name of ["input", "output", "dead_letter"]) {
        const q = resource(tf, "aws_sqs_queue", name)
        expect(evaluateIn(q.sqs_managed_sse_enabled), name).toBe(true)
        expect(evaluateIn(q.kms_master_key_id), name).toBeNull()
        const kms = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        expect(evaluateIn(q.sqs_managed_sse_enabled, { sqs_kms_key_arn: kms }), name).toBeNull()
        expect(evaluateIn(q.kms_master_key_id, { sqs_kms_key_arn: kms }), name).toBe(kms)
      }
      const input = resource(tf, "aws_sqs_queue", "input")
      expect(input.redrive_policy).toBe(
        "${jsonencode({\n    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn\n    maxReceiveCount     = var.max_receive_count\n  })}"
      )
      const allow = resource(tf, "aws_sqs_queue_redrive_allow_policy", "dead_letter")
      expect(allow.queue_url).toBe("${aws_sqs_queue.dead_letter.id}")
      expect(String(allow.redrive_allow_policy)).toContain("redrivePermission = \"byQueue\"")
      expect(String(allow.redrive_allow_policy)).toContain("sourceQueueArns   = [aws_sqs_queue.input.arn]")
    },
    TF_TIMEOUT
  )

  test("the layer is published from S3 for the chosen architecture, from dist/layer-<arch>.zip", () => {
    const layer = resource(tf, "aws_lambda_layer_version", "bun")
    expect(layer).toMatchObject({
      s3_bucket: "${aws_s3_object.layer.bucket}",
      s3_key: "${aws_s3_object.layer.key}",
      compatible_runtimes: ["provided.al2023"],
      compatible_architectures: ["${var.architecture}"]
    })
    expect(layer.filename).toBeUndefined()
    expect(local("layer_zip")).toBe("./../dist/layer-arm64.zip")
    expect(local("layer_zip", { architecture: "x86_64" })).toBe("./../dist/layer-x86_64.zip")
    expect(resource(tf, "aws_s3_object", "layer").source).toBe("${local.layer_zip}")
    expect(resource(tf, "aws_s3_bucket_public_access_block", "artifacts")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true
    })
  }, TF_TIMEOUT)

  test(
    "the function: provided.al2023, arm64 by default, function-<arch>.zip, memory, timeout from variables, JSON logs",
    () => {
      const fn = resource(tf, "aws_lambda_function", "handler")
      expect(fn).toMatchObject({
        runtime: "provided.al2023",
        handler: "handler.handler",
        architectures: ["${var.architecture}"],
        filename: "${local.function_zip}",
        source_code_hash: "${filebase64sha256(local.function_zip)}",
        memory_size: "${var.memory_size}",
        timeout: "${var.timeout}",
        layers: ["${aws_lambda_layer_version.bun.arn}"]
      })
      expect(tf.variables.architecture!.default).toBe("arm64")
      // Each architecture's zip holds the bytecode that architecture's Bun generated.
      expect(local("function_zip")).toBe("./../dist/function-arm64.zip")
      expect(local("function_zip", { architecture: "x86_64" })).toBe("./../dist/function-x86_64.zip")
      expect(block(fn, "logging_config")).toEqual({
        log_format: "JSON",
        application_log_level: "${var.log_level}",
        system_log_level: "INFO",
        log_group: "${aws_cloudwatch_log_group.function.name}"
      })
      expect(fn.depends_on).toContain("${aws_cloudwatch_log_group.function}")
      expect(resource(tf, "aws_cloudwatch_log_group", "function")).toEqual({
        name: "/aws/lambda/${local.names.function}",
        retention_in_days: "${var.log_retention_days}",
        log_group_class: "${var.log_group_class}"
      })
    },
    TF_TIMEOUT
  )

  test(
    "rollback: every deploy publishes a version, old layer versions stay, the mapping invokes the live alias",
    () => {
      expect(resource(tf, "aws_lambda_function", "handler").publish).toBe(true)
      expect(resource(tf, "aws_lambda_layer_version", "bun").skip_destroy).toBe(true)
      const alias = resource(tf, "aws_lambda_alias", "live")
      expect(alias).toMatchObject({
        name: "${local.names.live_alias}",
        function_name: "${aws_lambda_function.handler.function_name}"
      })
      expect(evaluateIn(alias.function_version)).toBe("<aws_lambda_function.handler.version>")
      expect(evaluateIn(alias.function_version, { live_version: "7" })).toBe("7")
      expect(resource(tf, "aws_lambda_event_source_mapping", "input").function_name).toBe(
        "${aws_lambda_alias.live.arn}"
      )
      expect((local("names") as Record<string, string>).live_alias).toBe("live")
    },
    TF_TIMEOUT
  )

  test("the environment Terraform sets is exactly what the function reads", () => {
    const vars = block(resource(tf, "aws_lambda_function", "handler"), "environment").variables as Record<
      string,
      string
    >
    expect(Object.keys(vars).sort()).toEqual(Object.values(ENV).sort())
    expect(vars).toEqual({
      [ENV.tableName]: "${aws_dynamodb_table.products.name}",
      [ENV.outputQueueUrl]: "${aws_sqs_queue.output.url}",
      [ENV.deadLetterQueueUrl]: "${aws_sqs_queue.dead_letter.url}",
      [ENV.maxConcurrency]: "${tostring(var.function_max_concurrency)}",
      [ENV.metricsEnabled]: "${tostring(var.metrics_enabled)}",
      [ENV.metricsNamespace]: "${var.metrics_namespace}",
      [ENV.metricsDimensions]:
        "${join(\",\", [for k in sort(keys(var.metrics_dimensions)) : \"${k}=${var.metrics_dimensions[k]}\"])}"
    })
    // Other variables the function code reads are Lambda's own (set through logging_config) or local-only overrides.
    const src = resolve(import.meta.dir, "../../src")
    const read = new Set<string>()
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name))
        else {for (const m of readFileSync(join(dir, e.name), "utf8").matchAll(/process\.env\.([A-Z0-9_]+)/g)) {
            read.add(m[1]!)
          }}
      }
    }
    walk(src)
    expect([...read].sort()).toEqual([
      "AWS_ENDPOINT_URL_SQS",
      "AWS_LAMBDA_FUNCTION_NAME",
      "AWS_LAMBDA_LOG_LEVEL",
      "_X_AMZN_TRACE_ID"
    ])
  })

  test("the event source mapping: batch size and window, partial batch responses, maximum concurrency", () => {
    const esm = resource(tf, "aws_lambda_event_source_mapping", "input")
    expect(esm).toMatchObject({
      event_source_arn: "${aws_sqs_queue.input.arn}",
      function_name: "${aws_lambda_alias.live.arn}",
      batch_size: "${var.batch_size}",
      maximum_batching_window_in_seconds: "${var.batching_window_seconds}",
      function_response_types: ["ReportBatchItemFailures"]
    })
    expect(block(esm, "scaling_config")).toEqual({ maximum_concurrency: "${var.maximum_concurrency}" })
  })

  test(
    "production settings: no reserved concurrency unless asked, X-Ray pass-through, standard logs, EventCount",
    () => {
      const fn = resource(tf, "aws_lambda_function", "handler")
      expect(fn.reserved_concurrent_executions).toBe("${var.reserved_concurrent_executions}")
      expect(block(fn, "tracing_config")).toEqual({ mode: "${var.tracing_mode}" })
      const d = (name: string) => tf.variables[name]!.default
      // Reserving by default could fail a first apply: new accounts may have less than 100 + the reservation.
      expect(d("reserved_concurrent_executions")).toBeNull()
      expect(d("tracing_mode")).toBe("PassThrough")
      expect(d("log_group_class")).toBe("STANDARD")
      expect(d("event_source_metrics")).toEqual(["EventCount"])
      const metrics = (resource(tf, "aws_lambda_event_source_mapping", "input").dynamic as any).metrics_config[0]
      expect(metrics.content).toEqual([{ metrics: "${metrics_config.value}" }])
      expect(evaluateIn(metrics.for_each)).toEqual([["EventCount"]])
      expect(evaluateIn(metrics.for_each, { event_source_metrics: [] })).toEqual([])
    },
    TF_TIMEOUT
  )

  test(
    "alarms: function errors and throttles, the input's oldest message, the DLQ; each notifies the optional SNS topic",
    () => {
      const alarm = resource(tf, "aws_cloudwatch_metric_alarm", "this")
      expect(alarm).toMatchObject({
        for_each: "${local.alarms}",
        alarm_name: "${each.value.name}",
        alarm_description: "${each.value.description}",
        namespace: "${each.value.namespace}",
        metric_name: "${each.value.metric}",
        dimensions: "${each.value.dimensions}",
        statistic: "${each.value.statistic}",
        threshold: "${each.value.threshold}",
        comparison_operator: "GreaterThanThreshold",
        period: 60,
        evaluation_periods: 1,
        treat_missing_data: "notBreaching",
        alarm_actions: "${local.alarm_actions}",
        ok_actions: "${local.alarm_actions}"
      })
      const alarms = local("alarms", { alarm_oldest_message_age_seconds: 600 }) as Record<
        string,
        Record<string, unknown>
      >
      const pick = ({ namespace, metric, dimensions, statistic, threshold }: Record<string, unknown>) => ({
        namespace,
        metric,
        dimensions,
        statistic,
        threshold
      })
      const names = resourceNames()
      expect(Object.fromEntries(Object.entries(alarms).map(([k, a]) => [k, pick(a)]))).toEqual({
        function_errors: {
          namespace: "AWS/Lambda",
          metric: "Errors",
          dimensions: { FunctionName: names.function },
          statistic: "Sum",
          threshold: 0
        },
        function_throttles: {
          namespace: "AWS/Lambda",
          metric: "Throttles",
          dimensions: { FunctionName: names.function },
          statistic: "Sum",
          threshold: 0
        },
        input_oldest_message_age: {
          namespace: "AWS/SQS",
          metric: "ApproximateAgeOfOldestMessage",
          dimensions: { QueueName: names.inputQueue },
          statistic: "Maximum",
          threshold: 600
        },
        dead_letters: {
          namespace: "AWS/SQS",
          metric: "ApproximateNumberOfMessagesVisible",
          dimensions: { QueueName: names.deadLetterQueue },
          statistic: "Maximum",
          threshold: 0
        }
      })
      // The dimensions name the resources Terraform creates.
      expect(resource(tf, "aws_lambda_function", "handler").function_name).toBe("${local.names.function}")
      expect(resource(tf, "aws_sqs_queue", "input").name).toBe("${local.names.input_queue}")
      expect(resource(tf, "aws_sqs_queue", "dead_letter").name).toBe("${local.names.dead_letter_queue}")
      // CloudWatch's limits on names (255) and descriptions (1024).
      for (const a of Object.values(alarms)) {
        expect(String(a.name).length).toBeLessThanOrEqual(255)
        expect(String(a.description).length).toBeLessThanOrEqual(1024)
      }
      expect(new Set(Object.values(alarms).map((a) => a.name)).size).toBe(4)
      expect(local("alarm_actions")).toEqual([])
      expect(local("alarm_actions", { alarm_sns_topic_arn: "arn:aws:sns:eu-west-1:123456789012:alerts" })).toEqual([
        "arn:aws:sns:eu-west-1:123456789012:alerts"
      ])
      expect(tf.outputs.alarm_arns!.value).toBe(
        "${{ for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.arn }}"
      )
      expect(tf.outputs.alarm_names!.value).toBe(
        "${{ for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.alarm_name }}"
      )
    },
    TF_TIMEOUT
  )

  test("the README lists exactly what terraform apply creates, one row per resource instance", () => {
    const readme = readFileSync(resolve(import.meta.dir, "../../README.md"), "utf8")
    const table = /<!-- terraform-resources:start -->([\s\S]*?)<!-- terraform-resources:end -->/.exec(readme)![1]!
    const listed = [...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!).sort()
    const created = Object.entries(tf.resources).flatMap(([type, byName]) =>
      Object.entries(byName).flatMap(([name, r]) => {
        if (r.count !== undefined) throw new Error(`${type}.${name}: count is not expanded here`)
        if (r.for_each === undefined) return [`${type}.${name}`]
        // for_each over a local: its keys, as terraform computes them.
        const keys = Object.keys(engine.evaluate({}, { v: String(r.for_each).slice(2, -1) }).v as object)
        return keys.map((k) => `${type}.${name}["${k}"]`)
      })
    ).sort()
    expect(listed).toEqual(created)
    expect(readme).toContain(`(${created.length} resources with the defaults;`)
    expect(readme).toContain(`"Plan: ${created.length} to add" with the defaults`)
  }, TF_TIMEOUT)

  test("terraform.tfvars.example plans cleanly: every variable it sets exists and is valid", () => {
    const example = readFileSync(resolve(import.meta.dir, "../../terraform/terraform.tfvars.example"), "utf8")
    expect(engine.planDiagnostics(example)).toEqual([])
    // Its commented-out values are valid too.
    expect(engine.planDiagnostics(example.replace(/^# ([a-z_]+ += )/gm, "$1"))).toEqual([])
  }, TF_TIMEOUT)

  // The defaults themselves: defaults.test.ts.
  test("names derive from the prefix and match the local stack's", () => {
    const names = resourceNames()
    expect(local("names")).toEqual({
      table: names.table,
      input_queue: names.inputQueue,
      output_queue: names.outputQueue,
      dead_letter_queue: names.deadLetterQueue,
      function: names.function,
      layer: `${STACK_DEFAULTS.prefix}-bun`,
      role: `${STACK_DEFAULTS.prefix}-handler-role`,
      artifact_bucket: `${STACK_DEFAULTS.prefix}-artifacts-`,
      live_alias: "live"
    })
  }, TF_TIMEOUT)
})
