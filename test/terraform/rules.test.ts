import { beforeAll, describe, expect, test } from "bun:test"
import { evaluateValue } from "./hcl-eval.ts"
import { evaluateIn, loadConfiguration, resource, scopeOf, validates, type Configuration } from "./load.ts"

// Lambda's and SQS's rules, written independently of the Terraform that must obey them.
const SQS_MAX_VISIBILITY_SECONDS = 43_200
const SQS_MAX_RETENTION_SECONDS = 1_209_600
const lambdaAcceptsBatch = (batchSize: number, windowSeconds: number) =>
  batchSize >= 1 && windowSeconds >= 0 && windowSeconds <= 300 && (windowSeconds > 0 ? batchSize <= 10_000 : batchSize <= 10)

let tf: Configuration
beforeAll(async () => {
  tf = await loadConfiguration()
})

const precondition = (overrides: Record<string, number>) => {
  const esm = resource(tf, "aws_lambda_event_source_mapping", "input") as any
  return esm.lifecycle[0].precondition.every((p: any) => evaluateValue(p.condition, scopeOf(tf, overrides)) === true)
}

describe("variables' validation boundaries", () => {
  test.each([
    ["timeout", [1, 900], [0, 901, 1.5]],
    ["memory_size", [128, 10240], [127, 10241]],
    ["batch_size", [1, 10, 11, 10000], [0, 10001]],
    ["batching_window_seconds", [0, 300], [-1, 301]],
    ["maximum_concurrency", [2, 1000], [1, 1001]],
    ["max_receive_count", [5, 1000], [4, 0]],
    ["message_retention_seconds", [60, 1209599], [59, 1209600]],
    ["function_max_concurrency", [1, 1000], [0, 1001]],
    ["log_retention_days", [1, 14, 3653], [2, 0]]
  ])("%s accepts %p and rejects %p", (name, good, bad) => {
    for (const v of good as Array<number>) expect(validates(tf, name, v), `${name}=${v}`).toBe(true)
    for (const v of bad as Array<number>) expect(validates(tf, name, v), `${name}=${v}`).toBe(false)
  })

  test("string variables reject what AWS would", () => {
    expect(validates(tf, "architecture", "arm64")).toBe(true)
    expect(validates(tf, "architecture", "aarch64")).toBe(false)
    expect(validates(tf, "log_level", "DEBUG")).toBe(true)
    expect(validates(tf, "log_level", "VERBOSE")).toBe(false)
    expect(validates(tf, "prefix", "a".repeat(40))).toBe(true)
    expect(validates(tf, "prefix", "a".repeat(41))).toBe(false)
    expect(validates(tf, "prefix", "Bad_Name")).toBe(false)
    expect(validates(tf, "sqs_kms_key_arn", null)).toBe(true)
    expect(validates(tf, "sqs_kms_key_arn", "not-an-arn")).toBe(false)
    expect(validates(tf, "alarm_sns_topic_arn", "arn:aws:sns:eu-west-1:123456789012:alerts")).toBe(true)
  })
})

describe("Lambda's and SQS's rules hold at the defaults and at every validation boundary", () => {
  const timeouts = [1, 30, 900]
  const windows = [0, 1, 300]

  test("visibility timeout = 6 x function timeout + batching window, within SQS's maximum", () => {
    for (const timeout of timeouts) {
      for (const window of windows) {
        const visibility = evaluateIn(tf, "${local.visibility_timeout_seconds}", { timeout, batching_window_seconds: window }) as number
        expect(visibility).toBeGreaterThanOrEqual(6 * timeout + window)
        expect(visibility).toBeLessThanOrEqual(SQS_MAX_VISIBILITY_SECONDS)
      }
    }
    expect(resource(tf, "aws_sqs_queue", "input").visibility_timeout_seconds).toBe("${local.visibility_timeout_seconds}")
  })

  test("batch size and batching window: the precondition accepts exactly what Lambda accepts", () => {
    for (const batch of [1, 10, 11, 100, 10000]) {
      for (const window of windows) {
        const allowed = validates(tf, "batch_size", batch) && validates(tf, "batching_window_seconds", window) && precondition({ batch_size: batch, batching_window_seconds: window })
        expect(allowed, `batch ${batch}, window ${window}`).toBe(lambdaAcceptsBatch(batch, window))
      }
    }
    expect(precondition({})).toBe(true)
  })

  test("maxReceiveCount is at least 5 by default and can never be set lower", () => {
    expect(tf.variables.max_receive_count!.default).toBeGreaterThanOrEqual(5)
    expect(validates(tf, "max_receive_count", 4)).toBe(false)
  })

  test("the DLQ keeps messages longer than any retention the source queue can be given", () => {
    const dlq = evaluateIn(tf, resource(tf, "aws_sqs_queue", "dead_letter").message_retention_seconds) as number
    expect(dlq).toBe(SQS_MAX_RETENTION_SECONDS)
    expect(validates(tf, "message_retention_seconds", dlq)).toBe(false)
    expect(dlq).toBeGreaterThan(tf.variables.message_retention_seconds!.default as number)
  })
})
