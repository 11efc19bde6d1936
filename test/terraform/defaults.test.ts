import { parse } from "@cdktf/hcl2json"
import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { STACK_DEFAULTS, visibilityTimeoutSeconds } from "../../local/stack/defaults.ts"
import { appConfig, DEFAULT_MAX_CONCURRENCY, ENV } from "../../src/config.ts"
import { levelFromEnv } from "../../src/log/lambda-logger.ts"
import { DEFAULT_METRICS_NAMESPACE, metricsConfig } from "../../src/observability/metrics-config.ts"
import { type Engine, evaluateIn } from "./engine.ts"
import { block, type Configuration, resource, TERRAFORM_DIR } from "./load.ts"
import { terraformUnderTest } from "./under-test.ts"

/*
 * Every default is written once, in TypeScript: the function's own where it reads its settings (src/config.ts,
 * src/observability/metrics-config.ts, src/log/lambda-logger.ts), the stack's in local/stack/defaults.ts (which
 * the local stack, `bun run invoke` and bench/ import). terraform/variables.tf (read by hcl2json, computed by
 * the real terraform engine) and terraform.tfvars.example are checked against them here.
 */

const TF_TIMEOUT = 30_000

let tf: Configuration
let engine: Engine
terraformUnderTest(TF_TIMEOUT, (config, started) => void ([tf, engine] = [config, started]))

/** variables.tf defaults with a counterpart in the local stack: its source is local/stack/defaults.ts. */
const FROM_STACK: Record<string, unknown> = {
  prefix: STACK_DEFAULTS.prefix,
  timeout: STACK_DEFAULTS.functionTimeoutSeconds,
  memory_size: STACK_DEFAULTS.memorySizeMb,
  batch_size: STACK_DEFAULTS.batchSize,
  batching_window_seconds: STACK_DEFAULTS.batchingWindowSeconds,
  maximum_concurrency: STACK_DEFAULTS.maximumConcurrency,
  max_receive_count: STACK_DEFAULTS.maxReceiveCount,
  message_retention_seconds: STACK_DEFAULTS.messageRetentionSeconds
}

/** variables.tf defaults the function has too: checked below by what the function makes of them. */
const FROM_FUNCTION = [
  "function_max_concurrency",
  "log_level",
  "metrics_enabled",
  "metrics_namespace",
  "metrics_dimensions"
]

/** Settings only Terraform has (nothing local or in the function defaults them): their one source is variables.tf. */
const TERRAFORM_ONLY = [
  "tags",
  "region",
  "architecture",
  "log_retention_days",
  "log_group_class",
  "tracing_mode",
  "reserved_concurrent_executions",
  "event_source_metrics",
  "sqs_kms_key_arn",
  "point_in_time_recovery",
  "deletion_protection",
  "alarm_sns_topic_arn",
  "alarm_oldest_message_age_seconds",
  "dist_dir",
  "live_version"
]

const defaultOf = (name: string) => tf.variables[name]!.default

describe("defaults: one source each", () => {
  test("every Terraform variable is accounted for: from the stack, from the function, or Terraform's own", () => {
    const accounted = [...Object.keys(FROM_STACK), ...FROM_FUNCTION, ...TERRAFORM_ONLY]
    expect(new Set(accounted).size).toBe(accounted.length)
    expect(accounted.sort()).toEqual(Object.keys(tf.variables).sort())
  })

  test("variables.tf's defaults are the local stack's (local/stack/defaults.ts)", () => {
    for (const [name, value] of Object.entries(FROM_STACK)) expect([name, defaultOf(name)]).toEqual([name, value])
  })

  test("the stack's derived settings: the visibility timeout and the DLQ's retention, computed by terraform", () => {
    const grid = [1, 30, 900].flatMap((timeout) =>
      [0, 1, 300].map((window) => ({ timeout, batching_window_seconds: window }))
    )
    expect(engine.evaluateEach("local.visibility_timeout_seconds", [{}, ...grid])).toEqual([
      visibilityTimeoutSeconds(STACK_DEFAULTS.functionTimeoutSeconds, STACK_DEFAULTS.batchingWindowSeconds),
      ...grid.map((g) => visibilityTimeoutSeconds(g.timeout, g.batching_window_seconds))
    ])
    expect(engine.scope().locals.dead_letter_retention_seconds).toBe(STACK_DEFAULTS.deadLetterRetentionSeconds)
  }, TF_TIMEOUT)

  test("Terraform's defaults configure the function exactly as the function's own defaults do", () => {
    const handler = resource(tf, "aws_lambda_function", "handler")
    const variables = block(handler, "environment").variables as Record<string, unknown>
    // The settings the function defaults, as terraform computes them with every variable at its default.
    const defaulted = [ENV.maxConcurrency, ENV.metricsEnabled, ENV.metricsNamespace, ENV.metricsDimensions]
    const fromTerraform = Object.fromEntries(
      defaulted.map((name) => [name, String(evaluateIn(engine, variables[name]))])
    )
    const required = {
      [ENV.tableName]: "t",
      [ENV.outputQueueUrl]: "https://q/out",
      [ENV.deadLetterQueueUrl]: "https://q/dlq"
    }
    const read = (env: Record<string, string>) => Effect.runSync(Effect.all([appConfig(env), metricsConfig(env)]))
    expect(read({ ...required, ...fromTerraform })).toEqual(read(required))
    expect(read(required)[0].maxConcurrency).toBe(DEFAULT_MAX_CONCURRENCY)
    // The log level reaches the function as AWS_LAMBDA_LOG_LEVEL, through logging_config.
    const level = evaluateIn(engine, block(handler, "logging_config").application_log_level)
    expect(levelFromEnv(String(level))).toBe(levelFromEnv(undefined))
  }, TF_TIMEOUT)

  test("the README states the function's own defaults", () => {
    const readme = readFileSync(join(TERRAFORM_DIR, "../README.md"), "utf8")
    const own = Effect.runSync(metricsConfig({}))
    expect(own.namespace).toBe(DEFAULT_METRICS_NAMESPACE)
    expect(readme).toMatch(new RegExp(`\\| \`${ENV.metricsNamespace}\` \\|[^\\n]*default \`${own.namespace}\``))
    expect(readme).toMatch(new RegExp(`\\| \`${ENV.metricsEnabled}\` \\| \`${own.enabled}\` \\(default\\)`))
    expect(levelFromEnv(undefined)).toBe(levelFromEnv("INFO"))
    expect(readme).toMatch(/\| `AWS_LAMBDA_LOG_LEVEL` \|[^\n]*the function's own log lines default to `INFO`/)
    // MAX_CONCURRENCY's line: test/unit/config.test.ts.
  })

  test("terraform.tfvars.example shows the defaults (but for the region and tags it gives as examples)", async () => {
    const text = readFileSync(join(TERRAFORM_DIR, "terraform.tfvars.example"), "utf8")
    const example = (await parse("terraform.tfvars.example", text)) as Record<string, unknown>
    const shown = Object.keys(example).filter((name) => name !== "region" && name !== "tags")
    expect(shown.length).toBeGreaterThan(10)
    for (const name of shown) expect([name, example[name]]).toEqual([name, defaultOf(name)])
  }, TF_TIMEOUT)
})
