import { describe, expect, test } from "bun:test"
import { Deferred, Effect, Fiber } from "effect"
import { MaxRequestsInFlight, withRequestPermit, withRequestPermits } from "../../src/aws/request-permits.ts"

// Calls that stay in flight until released, counting how many are in flight at once.
const gate = Effect.gen(function*() {
  const release = yield* Deferred.make<void>()
  let inFlight = 0
  let most = 0
  const call = Effect.gen(function*() {
    inFlight++
    most = Math.max(most, inFlight)
    yield* Deferred.await(release)
    inFlight--
  })
  return { call, release: Deferred.succeed(release, undefined), most: () => most, inFlight: () => inFlight }
})

const calls = (n: number, call: Effect.Effect<void>) =>
  Effect.forEach(Array.from({ length: n }), () => withRequestPermit(call), { concurrency: "unbounded", discard: true })

// Runs `invocations` over gated calls with MaxRequestsInFlight 2: how many calls are in flight before any is
// released, and the most in flight at once over the whole run.
const inFlight = (invocations: (call: Effect.Effect<void>) => Effect.Effect<unknown>) =>
  Effect.runPromise(
    Effect.gen(function*() {
      const g = yield* gate
      const fiber = yield* Effect.forkChild(invocations(g.call))
      yield* Effect.yieldNow
      const beforeRelease = g.inFlight()
      yield* g.release
      yield* Fiber.join(fiber)
      return { beforeRelease, most: g.most() }
    }).pipe(Effect.provideService(MaxRequestsInFlight, 2))
  )

describe("request permits", () => {
  test("an invocation holds at most MaxRequestsInFlight calls in flight; the others wait for a permit", async () => {
    expect(await inFlight((call) => withRequestPermits(calls(5, call)))).toEqual({ beforeRelease: 2, most: 2 })
  })

  test("each invocation has permits of its own: two at once hold twice the bound between them", async () => {
    const both = (call: Effect.Effect<void>) =>
      Effect.all([withRequestPermits(calls(3, call)), withRequestPermits(calls(3, call))], { concurrency: "unbounded" })
    expect(await inFlight(both)).toEqual({ beforeRelease: 4, most: 4 })
  })

  test("the permits are handed back when a call fails, so later calls still run", async () => {
    const done = await Effect.runPromise(
      withRequestPermits(Effect.gen(function*() {
        const failures = yield* Effect.forEach(
          Array.from({ length: 3 }),
          () => withRequestPermit(Effect.fail("refused")).pipe(Effect.flip),
          { concurrency: "unbounded" }
        )
        const after = yield* calls(2, Effect.void).pipe(Effect.as("ran"))
        return [...failures, after]
      })).pipe(Effect.provideService(MaxRequestsInFlight, 1))
    )
    expect(done).toEqual(["refused", "refused", "refused", "ran"])
  })
})
