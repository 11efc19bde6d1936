import { describe, expect, test } from "bun:test"
import { Cause, Effect, Exit } from "effect"
import { tracedSpan } from "../../src/observability/span.ts"
import { recordingTracer } from "../support/recording-tracer.ts"

// The same two nested functions, once with Effect.fn and once as the hot path writes them.
const withFn = () => {
  const inner = Effect.fn("inner")(function*(n: number) {
    yield* Effect.annotateCurrentSpan({ n })
    if (n < 0) return yield* Effect.fail("negative")
    return n * 2
  })
  return Effect.fn("outer")(function*(n: number) {
    yield* Effect.annotateCurrentSpan("items", n)
    return (yield* inner(n)) + (yield* inner(n + 1))
  }, Effect.annotateLogs({ outer: true }))
}
const withTracedSpan = () => {
  const inner = Effect.fnUntraced(function*(n: number) {
    yield* Effect.annotateCurrentSpan({ n })
    if (n < 0) return yield* Effect.fail("negative")
    return n * 2
  }, tracedSpan("inner"))
  return Effect.fnUntraced(
    function*(n: number) {
      yield* Effect.annotateCurrentSpan("items", n)
      return (yield* inner(n)) + (yield* inner(n + 1))
    },
    Effect.annotateLogs({ outer: true }),
    tracedSpan("outer")
  )
}

const spansOf = async (outer: (n: number) => Effect.Effect<number, string>, n: number, tracing: boolean) => {
  const { layer, shape } = recordingTracer()
  const exit = await Effect.runPromiseExit(
    Effect.withSpan(outer(n), "root").pipe(Effect.withTracerEnabled(tracing), Effect.provide(layer))
  )
  // The failure itself; its cause's stack frames are Effect.fn's per-call capture, which tracedSpan drops.
  return { result: Exit.isSuccess(exit) ? exit.value : Cause.squash(exit.cause), spans: shape() }
}

describe("tracedSpan", () => {
  test("tracing on: the spans Effect.fn makes, same names, parents, kinds, attributes and failures", async () => {
    for (const n of [3, -1]) {
      const expected = await spansOf(withFn(), n, true)
      const actual = await spansOf(withTracedSpan(), n, true)
      expect(actual).toEqual(expected)
      expect(actual.spans.map((s) => `${s.name} < ${s.parent}`)).toEqual(
        n > 0
          ? ["root < -", "outer < root", "inner < outer", "inner < outer"]
          : ["root < -", "outer < root", "inner < outer"]
      )
    }
    expect((await spansOf(withTracedSpan(), 3, true)).spans[2]!.attributes).toEqual({ n: 3 })
  })

  test("tracing off, decided per run (an unsampled invocation): no span made, the same result", async () => {
    const outer = withTracedSpan()
    const off = await spansOf(outer, 3, false)
    expect(off.spans).toEqual([])
    expect(off.result).toEqual((await spansOf(withFn(), 3, false)).result)
    // The same function, run again with tracing on, makes its spans: the choice is made when it runs.
    expect((await spansOf(outer, 3, true)).spans.map((s) => s.name)).toEqual(["root", "outer", "inner", "inner"])
  })
})
