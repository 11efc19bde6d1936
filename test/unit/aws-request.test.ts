import { describe, expect, test } from "bun:test"
import { Effect, Exit, Fiber } from "effect"
import { classifyAwsError } from "../../src/aws/aws-error.ts"
import { attemptTimedOut, awsRequest } from "../../src/aws/aws-request.ts"

/** A request that never answers on its own: it rejects as fetch does, when its signal aborts. */
const hanging = (signals: Array<AbortSignal>) => (signal: AbortSignal) => {
  signals.push(signal)
  return new Promise<never>((_, reject) =>
    signal.addEventListener("abort", () => reject(Object.assign(new Error("aborted"), { name: "AbortError" })))
  )
}

describe("awsRequest", () => {
  test("no answer within the timeout: the request is aborted and fails with a transient TimeoutError", async () => {
    const signals: Array<AbortSignal> = []
    const started = performance.now()
    const exit = await Effect.runPromiseExit(awsRequest("BatchGetItem", 50, hanging(signals)))
    expect(performance.now() - started).toBeGreaterThanOrEqual(45)
    expect(signals).toHaveLength(1)
    expect(signals[0]!.aborted).toBe(true)
    expect(exit).toEqual(Exit.fail(attemptTimedOut("BatchGetItem", 50)))
    expect(attemptTimedOut("BatchGetItem", 50)).toMatchObject({
      _tag: "AwsTransientError",
      operation: "BatchGetItem",
      code: "TimeoutError",
      message: "no answer within 50 ms"
    })
  })

  test("an answer in time is the result, and its signal never aborts afterwards (the timer is cleared)", async () => {
    let seen: AbortSignal | undefined
    const answer = await Effect.runPromise(awsRequest("SendMessageBatch", 30, async (signal) => {
      seen = signal
      return { Successful: [] }
    }))
    expect(answer).toEqual({ Successful: [] })
    await Bun.sleep(60)
    expect(seen!.aborted).toBe(false)
  })

  test("a rejection or a throw before sending is classified as the SDK's error would be", async () => {
    const throttled = Object.assign(new Error("Rate exceeded"), {
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 400 }
    })
    const rejected = await Effect.runPromiseExit(awsRequest("BatchWriteItem", 1_000, () => Promise.reject(throttled)))
    expect(rejected).toEqual(Exit.fail(classifyAwsError("BatchWriteItem", throttled)))
    const invalid = new TypeError("cannot serialise")
    const thrown = await Effect.runPromiseExit(awsRequest("BatchWriteItem", 1_000, () => {
      throw invalid
    }))
    expect(thrown).toEqual(Exit.fail(classifyAwsError("BatchWriteItem", invalid)))
    expect(thrown).toMatchObject({ cause: { reasons: [{ error: { _tag: "AwsPermanentError" } }] } })
  })

  test("interrupted (the deadline): the request in flight is aborted, no timeout failure follows", async () => {
    const signals: Array<AbortSignal> = []
    const exit = await Effect.runPromise(Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(awsRequest("BatchGetItem", 1_000, hanging(signals)))
      yield* Effect.sleep(10)
      yield* Fiber.interrupt(fiber)
      return yield* Fiber.await(fiber)
    }))
    expect(Exit.isFailure(exit) && exit.cause.reasons.every((r) => r._tag === "Interrupt")).toBe(true)
    expect(signals[0]!.aborted).toBe(true)
  })
})
