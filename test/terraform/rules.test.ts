import { describe, expect, test } from "bun:test"
import {
  lambdaAcceptsBatch,
  NAME_RULES,
  s3BucketNameProblems,
  SQS_MAX_RETENTION_SECONDS,
  SQS_MAX_VISIBILITY_SECONDS
} from "./aws-rules.ts"
import { type Engine, evaluateInEach, type TfValue } from "./engine.ts"
import { type Configuration, resource } from "./load.ts"
import { terraformUnderTest } from "./under-test.ts"

// Every check here goes through the real terraform binary (a few dozen plans and consoles, ~50 ms each).
const TF_TIMEOUT = 60_000

let tf: Configuration
let engine: Engine
terraformUnderTest(TF_TIMEOUT, (config, started) => void ([tf, engine] = [config, started]))

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

// Each variable: values accepted at its boundaries, and values just past them.
const BOUNDARIES: Record<string, { accept: Array<TfValue>; reject: Array<TfValue> }> = {
  timeout: { accept: [1, 900], reject: [0, 901, 1.5] },
  memory_size: { accept: [128, 10240], reject: [127, 10241, 128.5] },
  batch_size: { accept: [1, 10000], reject: [0, 10001] },
  batching_window_seconds: { accept: [0, 300], reject: [-1, 301] },
  maximum_concurrency: { accept: [2, 1000], reject: [1, 1001] },
  max_receive_count: { accept: [5, 1000], reject: [4, 1001] },
  message_retention_seconds: { accept: [60, 1209599], reject: [59, 1209600] },
  function_max_concurrency: { accept: [1, 1000], reject: [0, 1001] },
  log_retention_days: { accept: [1, 3653, 14], reject: [2, 3654, 0] },
  architecture: { accept: ["arm64", "x86_64"], reject: ["aarch64", "amd64"] },
  log_level: { accept: ["TRACE", "FATAL"], reject: ["VERBOSE", "info"] },
  prefix: { accept: ["a", "a".repeat(40), "a-b-1"], reject: ["a".repeat(41), "Bad_Name", "1abc"] },
  sqs_kms_key_arn: {
    accept: [
      null,
      KEY,
      "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
      KEY.replace("arn:aws:kms:eu-west-1", "arn:aws-us-gov:kms:us-gov-west-1")
    ],
    // An alias (ARN or name) passes SQS but grants nothing as an IAM Resource.
    reject: [
      "arn:aws:kms:eu-west-1:123456789012:alias/queues",
      "alias/queues",
      "1234abcd-12ab-34cd-56ef-1234567890ab",
      `${KEY}/x`,
      "not-an-arn"
    ]
  },
  alarm_sns_topic_arn: {
    accept: [null, "arn:aws:sns:eu-west-1:123456789012:alerts"],
    reject: ["not-an-arn", "arn:aws:sqs:eu-west-1:123456789012:q"]
  },
  live_version: { accept: [null, "1", "42"], reject: ["0", "$LATEST", "live", "1.0"] },
  log_group_class: { accept: ["STANDARD", "INFREQUENT_ACCESS"], reject: ["DELIVERY", "standard"] },
  tracing_mode: { accept: ["PassThrough", "Active"], reject: ["Disabled", "active"] },
  // As the function's METRICS_NAMESPACE / METRICS_DIMENSIONS (test/observability/metrics-config.test.ts).
  metrics_namespace: {
    accept: ["BunSqsLambda", "Shop/Products", "x".repeat(255)],
    reject: ["", "AWS/Lambda", ":x", "é", "x".repeat(256)]
  },
  metrics_dimensions: {
    accept: [
      {},
      { Stage: "prod", "Team name": "shop floor" },
      Object.fromEntries(Array.from({ length: 29 }, (_, i) => [`D${i}`, "v"]))
    ],
    reject: [
      { FunctionName: "x" },
      { "a,b": "x" },
      { Stage: "a=b" },
      { Stage: " " },
      { ":Stage": "x" },
      Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`D${i}`, "v"]))
    ]
  },
  event_source_metrics: {
    accept: [["EventCount"], []],
    reject: [["ErrorCount"], ["EventCount", "EventCount"], ["KafkaMetrics"]]
  },
  alarm_oldest_message_age_seconds: { accept: [60, 1209599], reject: [59, 1209600, 60.5] }
}

// The validation that compares two variables: each case sets both, one plan per case.
const CROSS: Record<string, Array<{ vars: Record<string, TfValue>; accepted: boolean }>> = {
  reserved_concurrent_executions: [
    { vars: { reserved_concurrent_executions: null }, accepted: true },
    { vars: { reserved_concurrent_executions: 10 }, accepted: true }, // the default maximum_concurrency
    { vars: { reserved_concurrent_executions: 9 }, accepted: false },
    { vars: { reserved_concurrent_executions: 10.5 }, accepted: false },
    { vars: { reserved_concurrent_executions: 0 }, accepted: false },
    { vars: { reserved_concurrent_executions: 2, maximum_concurrency: 2 }, accepted: true },
    { vars: { reserved_concurrent_executions: 1, maximum_concurrency: 2 }, accepted: false },
    { vars: { reserved_concurrent_executions: 1000, maximum_concurrency: 1000 }, accepted: true },
    { vars: { reserved_concurrent_executions: 999, maximum_concurrency: 1000 }, accepted: false }
  ]
}

const cases = (pick: (b: { accept: Array<TfValue>; reject: Array<TfValue> }) => Array<TfValue>) =>
  Object.entries(BOUNDARIES).flatMap(([name, b]) => pick(b).map((value) => ({ [name]: value })))

// Each value is its own case; all cases of a test go through one terraform plan (engine.rejectedEach).
describe("variables' validation boundaries, through the real terraform engine", () => {
  test("every variable accepts its boundary values", () => {
    const accepted = cases((b) => b.accept)
    engine.rejectedEach(accepted).forEach((refused, i) => expect(refused, JSON.stringify(accepted[i])).toEqual({}))
  }, TF_TIMEOUT)

  test("every variable rejects the values just past its boundaries, with its own message", () => {
    const rejected = cases((b) => b.reject)
    engine.rejectedEach(rejected).forEach((refused, i) =>
      expect(Object.keys(refused), JSON.stringify(rejected[i])).toEqual(Object.keys(rejected[i]!))
    )
  }, TF_TIMEOUT)

  test("validations across two variables hold at their boundaries, with the other variable moved too", () => {
    const all = Object.entries(CROSS).flatMap(([name, cs]) => cs.map((c) => ({ name, ...c })))
    engine.rejectedEach(all.map((c) => c.vars)).forEach((refused, i) => {
      const c = all[i]!
      expect(Object.keys(refused), `${c.name}: ${JSON.stringify(c.vars)}`).toEqual(c.accepted ? [] : [c.name])
    })
  }, TF_TIMEOUT)

  test("every validated variable is covered by the boundaries above", () => {
    const validated = Object.entries(tf.variables).filter(([, v]) => v.validation).map(([k]) => k)
    expect([...Object.keys(BOUNDARIES), ...Object.keys(CROSS)].sort()).toEqual(validated.sort())
  })

  test("the KMS variable names a key: an alias ARN is refused with a message that says so", () => {
    const refused = engine.rejected({ sqs_kms_key_arn: "arn:aws:kms:eu-west-1:123456789012:alias/queues" })
    expect(refused.sqs_kms_key_arn).toContain("not an alias")
  }, TF_TIMEOUT)
})

describe("names S3 and the other services accept, at every prefix the validation lets through", () => {
  const ACCOUNT = "123456789012"
  // Around each reserved bucket prefix: the prefix itself, what reaches it through "-artifacts-", and near misses.
  const candidates = [
    "xn",
    "xn-",
    "xn-a",
    "xna",
    "x",
    "sthree",
    "sthree-",
    "sthree-configurator",
    "sthreex",
    "sthre",
    "amzn-s3-demo",
    "amzn-s3-demo-x",
    "amzn-s3",
    "amzn-s3-demox",
    "a".repeat(40),
    "a-",
    "a--b",
    "bun-sqs-lambda"
  ]

  test("a prefix is accepted exactly when the bucket name it makes is one S3 accepts", () => {
    engine.rejectedEach(candidates.map((prefix) => ({ prefix }))).forEach((refused, i) => {
      const prefix = candidates[i]!
      const problems = s3BucketNameProblems(`${prefix}-artifacts-${ACCOUNT}`)
      expect(
        refused.prefix === undefined,
        `${prefix}: terraform ${refused.prefix ?? "accepts"}; S3: ${problems.join(", ") || "accepts"}`
      )
        .toBe(problems.length === 0)
    })
    // The cases (xn--bad was accepted before), and the shortest prefixes that reach each reserved one.
    const reaching = ["xn--bad", "sthree-x", "amzn-s3-demo-x", "xn-", "sthree", "amzn-s3-demo"]
    engine.rejectedEach(reaching.map((prefix) => ({ prefix }))).forEach((refused, i) =>
      expect(refused.prefix, reaching[i]).toContain("S3 reserves")
    )
  }, TF_TIMEOUT)

  test("the longest prefix still makes every name valid, the bucket's as the real engine computes it", () => {
    const names = engine.evaluate({ prefix: "a".repeat(40) }, { names: "local.names" }).names as Record<string, string>
    expect(s3BucketNameProblems(`${names.artifact_bucket}${ACCOUNT}`)).toEqual([])
    expect(Object.keys(NAME_RULES).every((n) => n in names)).toBe(true)
    for (const [name, rule] of Object.entries(NAME_RULES)) expect(names[name], name).toMatch(rule)
    expect(resource(tf, "aws_s3_bucket", "artifacts").bucket).toBe(
      "${local.names.artifact_bucket}${data.aws_caller_identity.current.account_id}"
    )
    expect(resource(tf, "aws_iam_role", "handler").name).toBe("${local.names.role}")
  }, TF_TIMEOUT)
})

describe("Lambda's and SQS's rules hold at the defaults and at every validation boundary", () => {
  const timeouts = [1, 30, 900]
  const windows = [0, 1, 300]

  test(
    "visibility timeout = 6 x function timeout + batching window, within SQS's maximum (computed by terraform)",
    () => {
      const grid = timeouts.flatMap((timeout) =>
        windows.map((window) => ({ timeout, batching_window_seconds: window }))
      )
      engine.evaluateEach("local.visibility_timeout_seconds", grid).forEach((v, i) => {
        const { timeout, batching_window_seconds: window } = grid[i]!
        expect(v).toBeGreaterThanOrEqual(6 * timeout + window)
        expect(v).toBeLessThanOrEqual(SQS_MAX_VISIBILITY_SECONDS)
      })
      expect(resource(tf, "aws_sqs_queue", "input").visibility_timeout_seconds).toBe(
        "${local.visibility_timeout_seconds}"
      )
    },
    TF_TIMEOUT
  )

  // The precondition sits inside a resource, out of the provider-free copy's reach: its operators are evaluated
  // by hand, on the variables as terraform resolved them.
  // Whether every precondition holds, for each case (one terraform console per precondition).
  const preconditions = (cases: ReadonlyArray<Record<string, number>>) => {
    const esm = resource(tf, "aws_lambda_event_source_mapping", "input") as any
    const results = (esm.lifecycle[0].precondition as Array<any>).map((p) => evaluateInEach(engine, p.condition, cases))
    return cases.map((_, i) => results.every((r) => r[i] === true))
  }

  test(
    "batch size and batching window: validations (terraform) and the precondition accept exactly what Lambda accepts",
    () => {
      const grid = [1, 10, 11, 100, 10000].flatMap((batch) =>
        windows.map((window) => ({ batch_size: batch, batching_window_seconds: window }))
      )
      const holds = preconditions(grid)
      engine.rejectedEach(grid).forEach((refused, i) => {
        const { batch_size: batch, batching_window_seconds: window } = grid[i]!
        const allowed = Object.keys(refused).length === 0 && holds[i]
        expect(allowed, `batch ${batch}, window ${window}`).toBe(lambdaAcceptsBatch(batch, window))
      })
      expect(preconditions([{}])).toEqual([true])
    },
    TF_TIMEOUT
  )

  test("maxReceiveCount is at least 5 by default and can never be set lower", () => {
    expect(tf.variables.max_receive_count!.default).toBeGreaterThanOrEqual(5)
    expect(engine.rejected({ max_receive_count: 4 })).toHaveProperty("max_receive_count")
  }, TF_TIMEOUT)

  test("the DLQ keeps messages longer than any retention the source queue can be given", () => {
    const { dlq } = engine.evaluate({}, { dlq: "local.dead_letter_retention_seconds" })
    expect(dlq).toBe(SQS_MAX_RETENTION_SECONDS)
    expect(resource(tf, "aws_sqs_queue", "dead_letter").message_retention_seconds).toBe(
      "${local.dead_letter_retention_seconds}"
    )
    expect(engine.rejected({ message_retention_seconds: dlq as number })).toHaveProperty("message_retention_seconds")
    expect(dlq).toBeGreaterThan(tf.variables.message_retention_seconds!.default as number)
  }, TF_TIMEOUT)
})
