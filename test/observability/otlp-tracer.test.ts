import { afterAll, describe, expect, test } from "bun:test"
import { Data, Duration, Effect, Fiber, Layer, ManagedRuntime, References, Tracer } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as OtlpExporter from "effect/observability/OtlpExporter"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import * as OtlpTracer from "effect/observability/OtlpTracer"
import { type ReceivedSpan, startOtlpReceiver } from "../../local/trace/otlp-receiver.ts"
import { batchedTracerLayer, makeBatchedOtlpTracer, nanosText } from "../../src/observability/otlp-tracer.ts"

const receiver = startOtlpReceiver()
afterAll(() => receiver.stop())

class Throttled extends Data.TaggedError("Throttled")<{ readonly message: string }> {}

const options = (serviceName: string) => ({
  url: `${receiver.url}/v1/traces`,
  headers: {},
  resource: { serviceName, attributes: { "cloud.provider": "aws" } },
  exportInterval: Duration.seconds(600),
  maxBatchSize: 512,
  shutdownTimeout: Duration.seconds(1)
})
// What both tracers need: the exporter's flusher, serialization, an HTTP client, a scope.
type MakeTracer = ReturnType<typeof makeBatchedOtlpTracer>
const layerOf = (tracer: MakeTracer) =>
  Layer.effect(Tracer.Tracer, tracer).pipe(
    Layer.provideMerge(OtlpExporter.layerFlusher),
    Layer.provide(Layer.mergeAll(OtlpSerialization.layerJson, FetchHttpClient.layer))
  )

// Successes, a failure, an interruption, attributes of every kind, an event, a link, a client span.
const program = Effect.gen(function*() {
  const linked = yield* Effect.makeSpan("linked") // never ended: a link only
  const request = Effect.fn("request")(function*(n: number) {
    yield* Effect.annotateCurrentSpan({ "aws.operation": "PutItem", items: n, ratio: 0.5, ok: true, ids: ["a", "b"] })
    return n
  })
  yield* Effect.all([request(1), request(2)], { concurrency: 2 })
  yield* Effect.fail(new Throttled({ message: "slow down" })).pipe(
    Effect.withSpan("failing", { kind: "client" }),
    Effect.ignore
  )
  const fiber = yield* Effect.never.pipe(Effect.withSpan("interrupted"), Effect.forkChild)
  yield* Effect.yieldNow
  yield* Fiber.interrupt(fiber)
  yield* Effect.currentSpan.pipe(
    Effect.tap((span) => Effect.sync(() => span.event("retry", 1_000_000n, { attempt: 2 }))),
    Effect.withSpan("with-event", { links: [{ span: linked, attributes: { why: "test" } }] })
  )
}).pipe(Effect.withSpan("invocation"))

// What a span says, without its ids and times.
const shape = (spans: ReadonlyArray<ReceivedSpan>) => {
  const byId = new Map(spans.map((s) => [s.spanId, s.name]))
  return spans
    .map((s) => ({
      name: s.name,
      kind: s.kind,
      status: s.status,
      parent: s.parentSpanId === undefined ? undefined : byId.get(s.parentSpanId) ?? "outside",
      attributes: s.attributes,
      events: s.events.map((e) => ({ name: e.name, keys: Object.keys(e.attributes).sort() })),
      resource: s.resource["cloud.provider"]
    }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
}

const exported = async (tracer: MakeTracer, service: string) => {
  const runtime = ManagedRuntime.make(layerOf(tracer))
  await runtime.runPromise(program)
  await runtime.dispose()
  return receiver.spans().filter((s) => s.resource["service.name"] === service)
}

describe("the batched OTLP tracer", () => {
  test("exports what Effect's own OtlpTracer does: names, kinds, parents, attributes, status, events", async () => {
    const ours = await exported(makeBatchedOtlpTracer(options("ours")), "ours")
    const effects = await exported(OtlpTracer.make(options("effect's")), "effect's")
    expect(ours.map((s) => s.name).sort()).toEqual(
      ["failing", "interrupted", "invocation", "request", "request", "with-event"]
    )
    expect(shape(ours)).toEqual(shape(effects))
    const failing = ours.find((s) => s.name === "failing")!
    expect(failing.status).toBe(2)
    expect(failing.events.map((e) => e.name)).toEqual(["exception"])
  }, 10_000)

  test("an ended span keeps no result value alive while it waits in the batch", async () => {
    const runtime = ManagedRuntime.make(layerOf(makeBatchedOtlpTracer(options("values"))))
    try {
      const span = await runtime.runPromise(
        Effect.currentSpan.pipe(
          Effect.flatMap((span) => Effect.succeed({ large: new Array(1000).fill(0) }).pipe(Effect.as(span))),
          Effect.withSpan("kept")
        )
      )
      expect(span.status._tag).toBe("Ended")
      const exit = (span.status as Extract<Tracer.SpanStatus, { _tag: "Ended" }>).exit
      expect(exit._tag).toBe("Success")
      expect(exit._tag === "Success" ? exit.value : "failure").toBeUndefined()
    } finally {
      await runtime.dispose()
    }
  })

  test(
    "times its spans itself, with Effect's span timing off: unix times within the run, a child inside its parent",
    async () => {
      const layer = batchedTracerLayer(options("timed")).pipe(
        Layer.provideMerge(OtlpExporter.layerFlusher),
        Layer.provide(Layer.mergeAll(OtlpSerialization.layerJson, FetchHttpClient.layer))
      )
      const runtime = ManagedRuntime.make(layer)
      const before = Date.now()
      const timing = await runtime.runPromise(
        Effect.sleep(5).pipe(
          Effect.withSpan("child"),
          Effect.andThen(Effect.sleep(5)),
          Effect.withSpan("parent"),
          Effect.andThen(Effect.withFiber((fiber) => Effect.succeed(fiber.getRef(References.TracerTimingEnabled))))
        )
      )
      await runtime.dispose()
      const after = Date.now()
      expect(timing).toBe(false)
      const spans = receiver.spans().filter((s) => s.resource["service.name"] === "timed")
      const parent = spans.find((s) => s.name === "parent")!
      const child = spans.find((s) => s.name === "child")!
      // The receiver's times are milliseconds; Date.now() has whole ones.
      for (const s of [parent, child]) {
        expect(s.startMs).toBeGreaterThanOrEqual(before - 1)
        expect(s.endMs).toBeLessThanOrEqual(after + 1)
      }
      expect(child.startMs).toBeGreaterThanOrEqual(parent.startMs)
      expect(child.endMs).toBeLessThanOrEqual(parent.endMs)
      expect(child.endMs - child.startMs).toBeGreaterThanOrEqual(4)
      expect(parent.endMs - parent.startMs).toBeGreaterThanOrEqual(child.endMs - child.startMs + 4)
    },
    10_000
  )

  test("the batch goes out one interval after its first span; with no span waiting nothing wakes up", async () => {
    // The exporter's flusher, counting the tracer's timed exports (as each starts).
    let flushes = 0
    const counting = Layer.effect(
      OtlpExporter.Flusher,
      Effect.map(
        OtlpExporter.Flusher,
        (f) => ({ ...f, flush: Effect.andThen(Effect.sync(() => void flushes++), f.flush) })
      )
    ).pipe(Layer.provide(OtlpExporter.layerFlusher))
    const layer = batchedTracerLayer({ ...options("timer"), exportInterval: Duration.millis(400) }).pipe(
      Layer.provideMerge(counting),
      Layer.provide(Layer.mergeAll(OtlpSerialization.layerJson, FetchHttpClient.layer))
    )
    const runtime = ManagedRuntime.make(layer)
    const sent = () => receiver.spans().filter((s) => s.resource["service.name"] === "timer").map((s) => s.name)
    try {
      await runtime.runPromise(Effect.void)
      await Bun.sleep(500)
      expect(flushes).toBe(0)
      await runtime.runPromise(Effect.void.pipe(Effect.withSpan("first")))
      await runtime.runPromise(Effect.void.pipe(Effect.withSpan("second")))
      expect(sent()).toEqual([])
      for (let waited = 0; sent().length < 2 && waited < 3_000; waited += 50) await Bun.sleep(50)
      expect(sent().sort()).toEqual(["first", "second"])
      expect(flushes).toBe(1)
      // Idle again: no timer, no flush.
      await Bun.sleep(1_000)
      expect(flushes).toBe(1)
    } finally {
      await runtime.dispose()
    }
  }, 10_000)

  test("OTLP nanoseconds from float milliseconds, to the microsecond", () => {
    expect(nanosText(1_764_000_000_123.456)).toBe("1764000000123456000")
    expect(nanosText(1_764_000_000_000)).toBe("1764000000000000000")
  })
})
