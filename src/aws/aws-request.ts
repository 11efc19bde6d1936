import { Effect } from "effect"
import { type AwsError, AwsTransientError } from "../domain/errors.ts"
import { classifyAwsError } from "./aws-error.ts"

/** What an attempt that got no answer in time fails with: transient, so batchCall retries it. */
export const attemptTimedOut = (operation: string, timeoutMs: number): AwsTransientError =>
  new AwsTransientError({ operation, code: "TimeoutError", message: `no answer within ${timeoutMs} ms` })

/**
 * One AWS request as an effect: `send` gets a signal that aborts the request in flight when the fiber is
 * interrupted (the invocation's deadline) or when `timeoutMs` have passed, which fails it with
 * `attemptTimedOut`; anything else it throws or rejects with is classified (classifyAwsError).
 * Its own timer rather than `Effect.timeoutOrElse`: that races two forked fibers, one of them an
 * Effect sleep, which on Bun without DFG/FTL cost about 20 µs per request where this costs about 3
 * (bench/hot-path-effect.ts); the timer and the signal are the same, so is what the request sees.
 */
export const awsRequest = <A>(
  operation: string,
  timeoutMs: number,
  send: (signal: AbortSignal) => Promise<A>
): Effect.Effect<A, AwsError> =>
  Effect.callback<A, AwsError>((resume) => {
    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, timeoutMs)
    const failed = (cause: unknown) => {
      clearTimeout(timer)
      resume(Effect.fail(timedOut ? attemptTimedOut(operation, timeoutMs) : classifyAwsError(operation, cause)))
    }
    try {
      send(controller.signal).then((answer) => {
        clearTimeout(timer)
        resume(Effect.succeed(answer))
      }, failed)
    } catch (cause) {
      failed(cause)
    }
    // Interrupted (the deadline): the request is aborted, its answer no longer awaited.
    return Effect.sync(() => {
      clearTimeout(timer)
      controller.abort()
    })
  })
