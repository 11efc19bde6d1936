import { describe, expect, test } from "bun:test"
import { mkdtempSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { emfCollector, emfDocument, summaryLines } from "../../local/metrics/emf-summary.ts"
import { invocationTraces, mostEventful, renderInvocation, startTraceCapture } from "../../local/trace/capture.ts"
import type { ReceivedSpan } from "../../local/trace/otlp-receiver.ts"
import { callOrder, timelineSvg } from "../../local/trace/timeline-svg.ts"
import { emfDocuments } from "../../src/observability/emf.ts"

const T0 = 1_790_000_000_000
const span = (
  spanId: string,
  parentSpanId: string | undefined,
  name: string,
  start: number,
  end: number,
  attributes: Record<string, unknown> = {},
  status = 1
): ReceivedSpan => ({
  traceId: "t".repeat(32),
  spanId,
  parentSpanId,
  name,
  kind: 1,
  startMs: T0 + start,
  endMs: T0 + end,
  attributes,
  events: [],
  status,
  resource: {}
})

const invocation = (id: string, extra: Array<ReceivedSpan> = [], stopAt = 2_700) => [
  span(`${id}-root`, "lambda0000000000", "handleEvent", 0, 40, {
    "faas.invocation_id": id,
    records: 10,
    "batch.stop_unix_ms": T0 + stopAt,
    "lambda.deadline_unix_ms": T0 + stopAt + 300
  }),
  span(`${id}-decode`, `${id}-root`, "decode", 0.1, 0.2),
  span(`${id}-round`, `${id}-root`, "handleProductRound", 0.3, 39, { records: 10 }),
  ...extra
]

/** The SVG drawn by librsvg, a renderer we did not write; loudly skipped where it is not installed. */
const renders = (svg: string): boolean => {
  if (Bun.which("rsvg-convert") === null) {
    console.warn(
      "SKIPPED: rsvg-convert is not installed (apt-get install librsvg2-bin): the timeline SVG was not rendered"
    )
    return true
  }
  const out = join(mkdtempSync(join(tmpdir(), "timeline-")), "t.png")
  const r = Bun.spawnSync(["rsvg-convert", "-f", "png", "-o", out], { stdin: Buffer.from(svg) })
  return r.exitCode === 0 && statSync(out).size > 1_000
}

describe("timeline picture", () => {
  test("rows in call order: each parent followed by its children, earliest first", () => {
    const spans = invocation("a", [
      span("w2", "a-round", "BatchGetItem", 2, 10),
      span("w1", "a-round", "BatchWriteItem", 1, 30),
      span("w1a", "w1", "attempt 1", 1, 29)
    ])
    expect(callOrder(spans).map(({ span, depth }) => `${depth}:${span.name}`)).toEqual([
      "0:handleEvent",
      "1:decode",
      "1:handleProductRound",
      "2:BatchWriteItem",
      "3:attempt 1",
      "2:BatchGetItem"
    ])
  })

  test("a bar per span on a common axis, failures in red, the deadline drawn when it falls in view", () => {
    const spans = invocation("b", [
      span("a1", "b-round", "attempt 1", 1, 10, { items: 7 }, 2),
      span("bo", "b-round", "backoff", 10, 20, { retrying: 7 }),
      span("a2", "b-round", "attempt 2", 20, 30, { items: 7, failed: 0 })
    ], 45)
    const svg = timelineSvg(spans, { title: "one <invocation>", deadlineMs: T0 + 45, timeoutMs: T0 + 46 })
    expect(svg.match(/<rect [^>]*rx="2"/g)).toHaveLength(spans.length)
    expect(svg).toContain("one &lt;invocation&gt;")
    expect(svg).toContain("deadline 45.0 ms")
    expect(svg).toContain("Lambda timeout")
    expect(svg.match(/fill="#e63946"><title>attempt 1/g)).toHaveLength(1)
    expect(svg).toContain("7 to retry")
    expect(renders(svg)).toBe(true)
  })

  test("a deadline far after the invocation is named instead of squashing the picture", () => {
    const svg = timelineSvg(invocation("c"), { deadlineMs: T0 + 2_700 })
    expect(svg).toContain("deadline 2700 ms after the start (beyond the picture)")
    expect(svg).not.toContain("stroke-dasharray")
  })

  test("the picture shows the invocation with the most retries, else the most spans", () => {
    const quiet = invocation("quiet", [span("q1", "quiet-round", "x", 1, 2), span("q2", "quiet-round", "y", 1, 2)])
    const retried = invocation("retried", [span("r1", "retried-round", "backoff", 1, 2)])
    const traces = invocationTraces([...quiet, ...retried])
    expect(traces.map((t) => t.spans.length)).toEqual([5, 4])
    expect(mostEventful(traces)!.root.attributes["faas.invocation_id"]).toBe("retried")
    expect(renderInvocation(mostEventful(traces)!)).toContain("invocation retried: 10 records")
  })
})

describe("metrics summary from the EMF lines", () => {
  const line = (metrics: Record<string, number>, ms: Record<string, number> = {}) =>
    JSON.stringify(
      emfDocuments({
        namespace: "N",
        dimensions: { FunctionName: "f" },
        timestamp: Date.now(),
        metrics: [
          ...Object.entries(metrics).map(([name, value]) => ({ name, unit: "Count" as const, value })),
          ...Object.entries(ms).map(([name, value]) => ({ name, unit: "Milliseconds" as const, value }))
        ]
      })[0]
    )

  test("sums counts over the run, averages and maxima of times; other lines are ignored", () => {
    const c = emfCollector()
    expect(
      c.add(
        line({ RecordsReceived: 10, RecordsAdded: 10, ColdStart: 1, "AwsRequests.BatchWriteItem": 1 }, {
          InvocationDuration: 30
        })
      )
    ).toBe(true)
    expect(
      c.add(
        line({
          RecordsReceived: 4,
          RecordsAdded: 2,
          RecordsHandedBack: 2,
          ColdStart: 0,
          "AwsRequests.BatchWriteItem": 3
        }, { InvocationDuration: 50 })
      )
    ).toBe(true)
    expect(c.add(`{"level":"INFO","message":"batch processed"}`)).toBe(false)
    expect(c.add("REPORT RequestId: x")).toBe(false)
    expect(c.totals()).toEqual({
      invocations: 2,
      sums: {
        RecordsReceived: 14,
        RecordsAdded: 12,
        ColdStart: 1,
        "AwsRequests.BatchWriteItem": 4,
        RecordsHandedBack: 2
      },
      timings: { InvocationDuration: { average: 40, max: 50 } }
    })
    const text = summaryLines(c.totals()).join("\n")
    expect(text).toContain("2 invocations, 1 cold starts; records: 14 received, 12 added")
    expect(text).toContain("2 handed back")
    expect(text).toContain("BatchWriteItem 4")
    expect(text).toContain("duration avg 40.0 ms, max 50.0 ms")
  })

  test("a broken or foreign JSON line is not a metric", () => {
    expect(emfDocument(`{"_aws": 1}`)).toBeUndefined()
    expect(emfDocument(`{"_aws": {`)).toBeUndefined()
    expect(summaryLines(emfCollector().totals())[0]).toContain("no metrics")
  })
})

describe("bun run invoke --trace", () => {
  test("every invocation exported, or with --active-tracing only those Lambda sampled (no always_on)", async () => {
    const all = startTraceCapture()
    const sampled = startTraceCapture({ followLambdaSampling: true })
    try {
      expect(all.env).toMatchObject({ OTEL_TRACES_SAMPLER: "always_on", OTEL_BSP_SCHEDULE_DELAY: "0" })
      expect(sampled.env.OTEL_EXPORTER_OTLP_ENDPOINT).toStartWith("http://127.0.0.1:")
      expect("OTEL_TRACES_SAMPLER" in sampled.env).toBe(false)
    } finally {
      await all.stop()
      await sampled.stop()
    }
  })
})
