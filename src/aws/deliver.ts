import { Context, Duration, Effect, Result } from "effect"
import { AwsTransientError, type AwsError } from "../domain/errors.ts"
import type { ItemOutcome } from "../services/product-store.ts"

export interface RetryPolicyShape {
  /** Attempts per item, first one included. */
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  /** One AWS call may not take longer than this; a slow call is cut and retried. */
  readonly attemptTimeoutMs: number
}

export const RetryPolicy = Context.Reference<RetryPolicyShape>("RetryPolicy", {
  defaultValue: () => ({ maxAttempts: 6, baseDelayMs: 25, maxDelayMs: 1_000, attemptTimeoutMs: 5_000 })
})

/** Per-invocation count of retried items, for the summary log line. */
export const RetryCounter = Context.Reference<{ count: number }>("RetryCounter", {
  defaultValue: () => ({ count: 0 })
})

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
export const backoffMs = (policy: RetryPolicyShape, attempt: number, random: number = Math.random()): number => {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  return ceiling / 2 + random * (ceiling / 2)
}

/**
 * Sends `items` with one AWS batch call, then retries only the items that failed transiently
 * (a thrown call fails all of them; UnprocessedItems / Failed entries fail some), with backoff,
 * until they succeed, fail permanently or run out of attempts. The deadline is enforced by the
 * caller interrupting this effect, which aborts the in-flight HTTP request.
 */
export const deliverAll = <I, A>(
  operation: string,
  items: ReadonlyArray<I>,
  attempt: (items: ReadonlyArray<I>) => Effect.Effect<ReadonlyArray<ItemOutcome<A>>, AwsError>
): Effect.Effect<ReadonlyArray<ItemOutcome<A>>> =>
  Effect.gen(function*() {
    const policy = yield* RetryPolicy
    const counter = yield* RetryCounter
    const results = new Array<ItemOutcome<A>>(items.length)
    let pending = items.map((_, i) => i)
    for (let n = 1; pending.length > 0; n++) {
      const call = yield* attempt(pending.map((i) => items[i]!)).pipe(
        Effect.timeoutOrElse({
          duration: Duration.millis(policy.attemptTimeoutMs),
          orElse: () => Effect.fail(new AwsTransientError({ operation, code: "TimeoutError", message: `no answer within ${policy.attemptTimeoutMs} ms` }))
        }),
        Effect.result
      )
      const outcomes = Result.isSuccess(call) ? call.success : pending.map(() => Result.fail(call.failure))
      const again: Array<number> = []
      pending.forEach((index, j) => {
        const outcome = outcomes[j] ?? Result.fail(new AwsTransientError({ operation, code: "MissingResult", message: "no result for this entry" }))
        if (Result.isFailure(outcome) && outcome.failure._tag === "AwsTransientError" && n < policy.maxAttempts) again.push(index)
        else results[index] = outcome
      })
      pending = again
      if (pending.length > 0) {
        counter.count += pending.length
        yield* Effect.sleep(Duration.millis(backoffMs(policy, n)))
      }
    }
    return results
  })
