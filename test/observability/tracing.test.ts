import { afterAll, describe, expect, test } from "bun:test"
import { Effect, ManagedRuntime, References } from "effect"
import { activeTracing } from "../../local/runtime-api/active-tracing.ts"
import { startOtlpReceiver } from "../../local/trace/otlp-receiver.ts"
import { otlpTracesUrl, traceInvocation, tracingLayer } from "../../src/observability/tracing.ts"

const receiver = startOtlpReceiver()
afterAll(() => receiver.stop())

const HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
const decode = Effect.fn("decode")(function*(n: number) {
  yield* Effect.sleep(2)
  return n
})
/** Tracing that exports each invocation's spans before it returns (OTEL_BSP_SCHEDULE_DELAY=0), to the receiver. */
const eagerTracing = (env: Readonly<Record<string, string>> = {}, serviceName = "fn") =>
  ManagedRuntime.make(
    tracingLayer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "0", ...env }, serviceName)
  )

// As handleEvent does: the invocation's root span, named by its request id.
const invocation = (requestId: string, traceHeader: string | undefined) =>
  traceInvocation(
    Effect.gen(function*() {
      yield* Effect.all([decode(1), decode(2)], { concurrency: 2 })
    }).pipe(Effect.withSpan("invocation", { attributes: { "faas.invocation_id": requestId } })),
    { traceHeader, remainingMs: () => 3_000 }
  )

describe("OTLP endpoint from the OpenTelemetry variables", () => {
  test("the traces endpoint as given, the base endpoint with /v1/traces, none when unset or disabled", () => {
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://localhost:4318/custom" })).toBe(
      "http://localhost:4318/custom"
    )
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318/" })).toBe(
      "http://localhost:4318/v1/traces"
    )
    expect(
      otlpTracesUrl({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:1/t"
      })
    ).toBe("http://c:1/t")
    expect(otlpTracesUrl({})).toBeUndefined()
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318", OTEL_SDK_DISABLED: "true" }))
      .toBeUndefined()
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318", OTEL_TRACES_EXPORTER: "none" }))
      .toBeUndefined()
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318", OTEL_TRACES_SAMPLER: "always_off" }))
      .toBeUndefined()
  })
})

describe("tracing an invocation", () => {
  test("by default spans are batched: none is sent during invocations, all of them when the environment shuts down", async () => {
    const runtime = ManagedRuntime.make(tracingLayer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, "batched"))
    const before = receiver.requests()
    const header = (i: number) => `Root=1-8759e988-bd862e3fe1be46a99427279${i};Parent=53995c3f42cd8ad8;Sampled=1`
    for (let i = 0; i < 3; i++) await runtime.runPromise(invocation(`batched-${i}`, header(i)))
    expect(receiver.requests()).toBe(before)
    await runtime.dispose()
    expect(receiver.requests()).toBe(before + 1)
    const roots = receiver.spans().filter((s) =>
      s.name === "invocation" && String(s.attributes["faas.invocation_id"]).startsWith("batched-")
    )
    expect(roots.map((s) => s.traceId).sort()).toEqual([0, 1, 2].map((i) => `8759e988bd862e3fe1be46a99427279${i}`))
  })

  test("with OTEL_BSP_SCHEDULE_DELAY=0 spans reach the receiver before the invocation returns, under Lambda's trace and span", async () => {
    const runtime = eagerTracing({}, "products-handler")
    try {
      await runtime.runPromise(invocation("req-1", HEADER))
      const spans = receiver.spans().filter((s) => s.traceId === "5759e988bd862e3fe1be46a994272793")
      const root = spans.find((s) => s.name === "invocation")!
      expect(root.parentSpanId).toBe("53995c3f42cd8ad8")
      expect(root.attributes["faas.invocation_id"]).toBe("req-1")
      expect(root.resource["service.name"]).toBe("products-handler")
      const children = spans.filter((s) => s.name === "decode")
      expect(children).toHaveLength(2)
      for (const c of children) {
        expect(c.parentSpanId).toBe(root.spanId)
        expect(c.startMs).toBeGreaterThanOrEqual(root.startMs)
        expect(c.endMs).toBeLessThanOrEqual(root.endMs)
      }
    } finally {
      await runtime.dispose()
    }
  })

  test("with OTEL_BSP_SCHEDULE_DELAY=0, init's spans go out with the first invocation, even one Lambda did not sample", async () => {
    const runtime = eagerTracing()
    try {
      await runtime.runPromise(Effect.withSpan(Effect.void, "initWork", { attributes: { marker: "init-unsampled" } }))
      const unsampled = "Root=1-4759e988-bd862e3fe1be46a994272793;Parent=43995c3f42cd8ad8;Sampled=0"
      await runtime.runPromise(invocation("after-init", unsampled))
      expect(receiver.spans().filter((s) => s.attributes.marker === "init-unsampled").map((s) => s.name)).toEqual([
        "initWork"
      ])
      expect(receiver.spans().filter((s) => s.traceId === "4759e988bd862e3fe1be46a994272793")).toEqual([])
    } finally {
      await runtime.dispose()
    }
  })

  test("the trace id is read per invocation: two invocations, two traces", async () => {
    const runtime = eagerTracing()
    try {
      const other = "Root=1-6759e988-0d862e3fe1be46a994272793;Parent=63995c3f42cd8ad8;Sampled=1"
      await Promise.all([runtime.runPromise(invocation("a", HEADER)), runtime.runPromise(invocation("b", other))])
      const rootOf = (id: string) =>
        receiver.spans().find((s) => s.name === "invocation" && s.attributes["faas.invocation_id"] === id)!
      expect(rootOf("a").traceId).toBe("5759e988bd862e3fe1be46a994272793")
      expect(rootOf("b").traceId).toBe("6759e9880d862e3fe1be46a994272793")
      expect(rootOf("b").parentSpanId).toBe("63995c3f42cd8ad8")
    } finally {
      await runtime.dispose()
    }
  })

  test("Sampled=0 exports nothing, unless OTEL_TRACES_SAMPLER=always_on; no header starts a trace of its own", async () => {
    const unsampled = "Root=1-7759e988-bd862e3fe1be46a994272793;Parent=73995c3f42cd8ad8;Sampled=0"
    const runtime = eagerTracing()
    const always = eagerTracing({ OTEL_TRACES_SAMPLER: "always_on" })
    try {
      await runtime.runPromise(invocation("unsampled", unsampled))
      expect(receiver.spans().filter((s) => s.traceId === "7759e988bd862e3fe1be46a994272793")).toEqual([])
      await always.runPromise(invocation("always", unsampled))
      expect(receiver.spans().filter((s) => s.traceId === "7759e988bd862e3fe1be46a994272793").map((s) => s.name).sort())
        .toEqual(["decode", "decode", "invocation"])
      await runtime.runPromise(invocation("no-header", undefined))
      const root = receiver.spans().find((s) => s.attributes["faas.invocation_id"] === "no-header")!
      expect(root.parentSpanId).toBeUndefined()
    } finally {
      await runtime.dispose()
      await always.dispose()
    }
  })

  test(
    "under local active tracing (X-Ray's default rule) exactly the invocations Lambda sampled are exported",
    async () => {
      // 60 invocations, 10 a second: the reservoir's one a second, a few more at 5%.
      let now = 1_790_000_000_000
      const lambda = activeTracing({ seed: 4, now: () => now })
      const headers = Array.from({ length: 60 }, () => {
        now += 100
        return lambda.nextTraceHeader()
      })
      const sampledRoots = headers.filter((h) => h.endsWith(";Sampled=1")).map((h) => h.slice(7, 40).replace("-", ""))
      expect(sampledRoots.length).toBeGreaterThanOrEqual(6)
      expect(sampledRoots.length).toBeLessThan(30)
      const runtime = eagerTracing({}, "active-tracing")
      try {
        for (const [i, header] of headers.entries()) await runtime.runPromise(invocation(`active-${i}`, header))
      } finally {
        await runtime.dispose()
      }
      const roots = receiver.spans().filter((s) =>
        s.resource["service.name"] === "active-tracing" && s.name === "invocation"
      )
      expect(roots.map((s) => s.traceId).sort()).toEqual(sampledRoots.sort())
    },
    15_000
  )

  test("an invocation Lambda did not sample makes no span at all; a sampled one, or always_on, does", async () => {
    const runtime = eagerTracing()
    const always = eagerTracing({ OTEL_TRACES_SAMPLER: "always_on" })
    const unsampled = "Root=1-7759e988-cd862e3fe1be46a994272793;Parent=73995c3f42cd8ad8;Sampled=0"
    // What the handler sees inside: whether tracing is on, and whether its span is a real one.
    const inside = (header: string) =>
      traceInvocation(
        Effect.gen(function*() {
          const span = yield* Effect.currentSpan
          return { enabled: yield* References.TracerEnabled, noop: span.constructor.name !== "BatchedSpan" }
        }).pipe(Effect.withSpan("invocation")),
        { traceHeader: header, remainingMs: () => 3_000 }
      )
    try {
      expect(await runtime.runPromise(inside(unsampled))).toEqual({ enabled: false, noop: true })
      expect(await runtime.runPromise(inside(HEADER))).toEqual({ enabled: true, noop: false })
      expect(await always.runPromise(inside(unsampled))).toEqual({ enabled: true, noop: false })
    } finally {
      await runtime.dispose()
      await always.dispose()
    }
  })

  test("without an endpoint there is no tracer: spans are switched off and nothing is sent", async () => {
    const before = receiver.requests()
    const runtime = ManagedRuntime.make(tracingLayer({}, "fn"))
    try {
      expect(
        await runtime.runPromise(Effect.gen(function*() {
          yield* invocation("off", HEADER)
          return yield* References.TracerEnabled
        }))
      ).toBe(false)
      expect(receiver.requests()).toBe(before)
    } finally {
      await runtime.dispose()
    }
  })

  test("an unreachable collector delays the invocation by the flush limit at most, and never fails it", async () => {
    const runtime = eagerTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9" })
    try {
      const started = performance.now()
      await runtime.runPromise(traceInvocation(Effect.succeed(1), { traceHeader: HEADER, remainingMs: () => 200 }))
      expect(performance.now() - started).toBeLessThan(1_000)
    } finally {
      await runtime.dispose()
    }
  }, 5_000)
})
