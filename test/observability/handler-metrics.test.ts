import { afterEach, describe, expect, test } from "bun:test"
import { Effect, Metric } from "effect"
import { Result } from "effect"
import { batchCall } from "../../src/aws/batch-call.ts"
import { withInvocationMetrics } from "../../src/aws/metrics.ts"
import { AwsTransientError } from "../../src/domain/errors.ts"
import { metricValues } from "../../src/observability/metrics.ts"
import { metricsLayer } from "../../src/observability/publish-metrics.ts"
import { FAST_RETRIES, memoryApp } from "../support/memory-app.ts"
import { invocationContext, sqsEvent, sqsRecord } from "../support/records.ts"
import { emfViolations } from "./emf-spec.ts"

let app: ReturnType<typeof memoryApp> | undefined
afterEach(async () => {
  await app?.dispose()
  app = undefined
})

const config = { enabled: true, namespace: "Shop/Products", dimensions: { Stage: "test" } }
const withMetrics = (lines: Array<string>, options: Parameters<typeof memoryApp>[0] = {}) =>
  memoryApp({ ...options, extra: metricsLayer(config, "products-handler", (line) => void lines.push(line)) })

const throttled = new AwsTransientError({
  operation: "BatchWriteItem",
  code: "ThrottlingException",
  message: "slow down"
})

describe("one EMF line per invocation", () => {
  test("counts every outcome, valid against the specification, with FunctionName and the configured dimensions", async () => {
    const lines: Array<string> = []
    let putFaults = 1
    app = withMetrics(lines, {
      productFault: (op, pk) => (op === "put" && pk === "add-2" && putFaults-- > 0 ? throttled : undefined)
    })
    const sent = Date.now() - 5_000
    await app.handler(
      sqsEvent(sqsRecord(`{"name":"Lamp","price":20}`, { messageId: "p-1", sentTimestamp: sent })),
      invocationContext()
    )
    expect(lines).toHaveLength(1)
    await app.handler(
      sqsEvent(
        sqsRecord(`{"pk":"p-1"}`, { messageId: "r-1", sentTimestamp: sent }),
        sqsRecord(`{"pk":"nope"}`, { messageId: "r-2", sentTimestamp: sent + 1_000 }),
        sqsRecord(`{"name":"x","price":-1}`, { messageId: "bad", sentTimestamp: sent + 2_000 }),
        sqsRecord(`{"name":"Desk","price":99}`, { messageId: "add-2", sentTimestamp: sent + 3_000 })
      ),
      invocationContext(30_000, "req-2")
    )
    expect(lines).toHaveLength(2)
    for (const line of lines) expect(emfViolations(line)).toEqual([])
    const first = JSON.parse(lines[0]!)
    const second = JSON.parse(lines[1]!)
    expect(first).toMatchObject({ RecordsReceived: 1, RecordsAdded: 1, ColdStart: 1, RecordsHandedBack: 0 })
    expect(second).toMatchObject({
      FunctionName: "products-handler",
      Stage: "test",
      requestId: "req-2",
      RecordsReceived: 4,
      RecordsAdded: 0,
      ReadsFound: 1,
      ReadsNotFound: 1,
      RecordsDeadLettered: 1,
      RecordsRetried: 0,
      RecordsHandedBack: 1,
      DeadlineHit: 0,
      ColdStart: 0
    })
    expect(second._aws.CloudWatchMetrics[0].Namespace).toBe("Shop/Products")
    expect(second._aws.CloudWatchMetrics[0].Dimensions).toEqual([["FunctionName", "Stage"]])
    // The oldest record was sent about 5 s before the invocation started.
    expect(second.OldestRecordAge).toBeGreaterThanOrEqual(5_000)
    expect(second.OldestRecordAge).toBeLessThan(6_000)
    expect(second.InvocationDuration).toBeGreaterThan(0)
    const units = Object.fromEntries(
      second._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string; Unit: string }) => [m.Name, m.Unit])
    )
    expect(units).toMatchObject({
      InvocationDuration: "Milliseconds",
      OldestRecordAge: "Milliseconds",
      RecordsReceived: "Count"
    })
  })

  test("concurrent invocations of one environment each report their own counts", async () => {
    const lines: Array<string> = []
    app = withMetrics(lines)
    const adds = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => sqsRecord(`{"name":"n${i}","price":1}`, { messageId: `${prefix}-${i}` }))
    await Promise.all([
      app.handler(sqsEvent(...adds(3, "a")), invocationContext(30_000, "a")),
      app.handler(sqsEvent(...adds(7, "b")), invocationContext(30_000, "b"))
    ])
    const byRequest = Object.fromEntries(lines.map((l) => JSON.parse(l)).map((d) => [d.requestId, d]))
    expect(byRequest.a).toMatchObject({ RecordsReceived: 3, RecordsAdded: 3 })
    expect(byRequest.b).toMatchObject({ RecordsReceived: 7, RecordsAdded: 7 })
    expect([byRequest.a.ColdStart, byRequest.b.ColdStart].sort()).toEqual([0, 1])
  })

  test("METRICS_ENABLED=false writes nothing", async () => {
    const lines: Array<string> = []
    app = memoryApp({ extra: metricsLayer({ ...config, enabled: false }, "fn", (line) => void lines.push(line)) })
    await app.handler(sqsEvent(sqsRecord(`{"pk":"x"}`)), invocationContext())
    expect(lines).toEqual([])
  })
})

describe("AWS requests and retries", () => {
  test("every attempt counts as a request of its operation; retried entries are counted", async () => {
    let calls = 0
    const values = await Effect.runPromise(
      withInvocationMetrics(Effect.gen(function*() {
        const settled = () => Effect.void
        yield* batchCall(
          "BatchWriteItem",
          [1, 2, 3],
          (items) =>
            Effect.sync(() => items.map((i) => (calls++ < 2 && i === 2 ? Result.fail(throttled) : Result.void))),
          settled
        )
        yield* batchCall("SendMessageBatch", [1], (items) => Effect.succeed(items.map(() => Result.void)), settled)
        return metricValues(yield* Metric.snapshot)
      })).pipe(Effect.provide(FAST_RETRIES))
    )
    expect(values).toContainEqual({ name: "AwsRequests.BatchWriteItem", unit: "Count", value: 2 })
    expect(values).toContainEqual({ name: "AwsRequests.SendMessageBatch", unit: "Count", value: 1 })
    expect(values).toContainEqual({ name: "RecordsRetried", unit: "Count", value: 1 })
  })
})
