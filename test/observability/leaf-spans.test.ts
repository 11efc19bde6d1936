import { describe, expect, test } from "bun:test"
import { Cause, Effect, Exit, Option, Result, Tracer } from "effect"
import { batchCall } from "../../src/aws/batch-call.ts"
import { decodeSqsEvent } from "../../src/batch/sqs-event.ts"
import { AwsTransientError } from "../../src/domain/errors.ts"
import { leafSpan, step, tracedSpan, withLeafSpan } from "../../src/observability/span.ts"
import { FAST_RETRIES } from "../support/memory-app.ts"
import { recordingTracer } from "../support/recording-tracer.ts"
import { sqsEvent, sqsRecord } from "../support/records.ts"

const traced = <A, E>(effect: Effect.Effect<A, E>, tracing = true) => {
  const { shape, layer } = recordingTracer()
  return Effect.runPromiseExit(
    effect.pipe(Effect.withSpan("round"), Effect.withTracerEnabled(tracing), Effect.provide(layer))
  ).then((exit) => ({ exit, spans: shape() }))
}

const transient = () => new AwsTransientError({ operation: "BatchWriteItem", code: "Throttling", message: "slow down" })

describe("leaf spans: made under the caller's span, never the fiber's current span", () => {
  test("batchCall: one span with its operation and items; a retry's backoff and attempt spans hang from it", async () => {
    // The first request leaves "b" unprocessed; the second one takes it.
    let requests = 0
    const { exit, spans } = await traced(
      batchCall(
        "BatchWriteItem",
        ["a", "b", "c"],
        (items) => {
          const first = requests++ === 0
          return Effect.succeed(
            items.map((item) => first && item === "b" ? Result.fail(transient()) : Result.succeed(item))
          )
        },
        () => Effect.void
      ).pipe(Effect.provide(FAST_RETRIES))
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    const ok = { ended: "Ended" as const, failed: false }
    expect(spans).toEqual([
      { name: "round", parent: "-", kind: "internal", attributes: {}, ...ok },
      {
        name: "batchCall",
        parent: "round",
        kind: "internal",
        attributes: { "aws.operation": "BatchWriteItem", items: 3 },
        ...ok
      },
      { name: "backoff", parent: "batchCall", kind: "internal", attributes: { retrying: 1 }, ...ok },
      {
        name: "attempt 2",
        parent: "batchCall",
        kind: "client",
        attributes: { "aws.operation": "BatchWriteItem", items: 1 },
        ...ok
      }
    ])
  })

  test("batchCall with tracing off: no span at all, the same outcome", async () => {
    const settled: Array<unknown> = []
    const { exit, spans } = await traced(
      batchCall(
        "SendMessageBatch",
        [1, 2],
        (items) => Effect.succeed(items.map(Result.succeed)),
        (results) =>
          Effect.sync(() => {
            settled.push(...results.map(([item]) => item))
          })
      ),
      false
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    expect(spans).toEqual([])
    expect(settled).toEqual([1, 2])
  })

  test("decodeSqsEvent: its span under the caller's, failed when the event is not an SQS event", async () => {
    const good = await traced(decodeSqsEvent(sqsEvent(sqsRecord("{}"))))
    expect(good.spans.map((s) => `${s.name} < ${s.parent} ${s.failed ? "failed" : "ok"}`)).toEqual([
      "round < - ok",
      "decodeSqsEvent < round ok"
    ])
    const bad = await traced(decodeSqsEvent({ nope: true }))
    expect(Exit.isFailure(bad.exit)).toBe(true)
    expect(bad.spans.map((s) => `${s.name} < ${s.parent} ${s.failed ? "failed" : "ok"}`)).toEqual([
      "round < - failed",
      "decodeSqsEvent < round failed"
    ])
  })

  test("a leaf span reads as tracedSpan's (name, parent, kind, attributes, outcome); inside it the current span is its parent's", async () => {
    // The same result; a failure's stack frames are the fiber's context's, which a leaf span leaves as it is.
    const run = (effect: Effect.Effect<number, unknown>) =>
      traced(effect).then(({ exit, spans }) => ({
        result: Exit.isSuccess(exit) ? exit.value : Cause.squash(exit.cause),
        spans
      }))
    const body = (n: number) =>
      Effect.gen(function*() {
        if (n < 0) return yield* Effect.fail("negative")
        return n * 2
      })
    const asTraced = Effect.fnUntraced(function*(n: number) {
      yield* Effect.annotateCurrentSpan({ n })
      return yield* body(n)
    }, tracedSpan("leaf"))
    let inside: string | undefined
    const asLeaf = (n: number) =>
      withLeafSpan("leaf", () => ({ n }), (span) =>
        Effect.currentSpan.pipe(
          Effect.tap((current) => Effect.sync(() => (inside = `${current.name}, given ${span?.name}`))),
          Effect.andThen(body(n))
        ))
    for (const n of [3, -1]) {
      const expected = await run(asTraced(n))
      const actual = await run(asLeaf(n))
      expect(actual).toEqual(expected)
      expect(inside).toBe("round, given leaf")
    }
    // The pipeable form, without attributes.
    const piped = Effect.fnUntraced(function*(n: number) {
      return yield* body(n)
    }, leafSpan("leaf"))
    expect((await traced(piped(3))).spans.map((s) => `${s.name} < ${s.parent}`)).toEqual(["round < -", "leaf < round"])
  })

  test("tracing off: f is given no span and none is made", async () => {
    let given: Option.Option<Tracer.Span> | undefined
    const { spans } = await traced(
      withLeafSpan("leaf", () => ({ n: 1 }), (span) => Effect.sync(() => (given = Option.fromUndefinedOr(span)))),
      false
    )
    expect(spans).toEqual([])
    expect(given).toEqual(Option.none())
  })
})

describe("tracedSpan switches the fiber's context once per span", () => {
  test("a failure's stack names its spans as Effect.withSpan's does (the stack frame is kept)", async () => {
    const fails = Effect.fail(new Error("boom"))
    const withSteps = fails.pipe(step("inner"), step("outer"))
    const withTraced = fails.pipe(tracedSpan("inner"), tracedSpan("outer"))
    const frames = async (effect: Effect.Effect<never, Error>) => {
      const { exit } = await traced(effect)
      if (!Exit.isFailure(exit)) throw new Error("expected a failure")
      return Cause.pretty(exit.cause).split("\n").flatMap((line) => {
        const frame = /^\s+at (inner|outer|round)\b/.exec(line)
        return frame ? [frame[1]] : []
      })
    }
    const expected = await frames(withSteps)
    expect(expected).toEqual(["inner", "outer", "round"])
    expect(await frames(withTraced)).toEqual(expected)
  })
})
