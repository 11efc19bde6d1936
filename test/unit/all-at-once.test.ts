import { describe, expect, test } from "bun:test"
import { Deferred, Effect, Exit } from "effect"
import { allAtOnce, forEachAtOnce } from "../../src/batch/all-at-once.ts"

describe("allAtOnce", () => {
  test("runs the effects at once: each waits for the other", async () => {
    const program = Effect.gen(function*() {
      const a = yield* Deferred.make<void>()
      const b = yield* Deferred.make<void>()
      const order: Array<string> = []
      yield* allAtOnce([
        Deferred.succeed(a, undefined).pipe(
          Effect.andThen(Deferred.await(b)),
          Effect.andThen(Effect.sync(() => void order.push("a")))
        ),
        Deferred.succeed(b, undefined).pipe(
          Effect.andThen(Deferred.await(a)),
          Effect.andThen(Effect.sync(() => void order.push("b")))
        )
      ])
      return order.sort()
    })
    expect(await Effect.runPromise(program.pipe(Effect.timeout("1 second")))).toEqual(["a", "b"])
  })

  test("one effect runs on the caller's fiber; with several, each on its own", async () => {
    const program = Effect.gen(function*() {
      const caller = yield* Effect.fiberId
      const ids: Array<number> = []
      const record = Effect.fiberId.pipe(Effect.map((id) => void ids.push(id)))
      yield* allAtOnce([record, Effect.void])
      yield* forEachAtOnce([1, 2], () => record)
      return { caller, ids }
    })
    const { caller, ids } = await Effect.runPromise(program)
    expect(ids[0]).toBe(caller)
    expect(ids.slice(1).every((id) => id !== caller)).toBe(true)
    expect(new Set(ids).size).toBe(3)
  })

  test("a failure fails the whole, nothing to do succeeds", async () => {
    const failed = await Effect.runPromiseExit(allAtOnce([Effect.void, Effect.fail("boom"), Effect.never]))
    expect(Exit.isFailure(failed)).toBe(true)
    expect(Exit.isSuccess(await Effect.runPromiseExit(allAtOnce([])))).toBe(true)
    expect(Exit.isSuccess(await Effect.runPromiseExit(forEachAtOnce([], () => Effect.fail("never run"))))).toBe(true)
  })
})
