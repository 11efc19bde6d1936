import { Context, Duration, Effect, identity, Metric, Result, type Tracer } from "effect"
import { type AwsError, AwsItemRejected, AwsTransientError } from "../domain/errors.ts"
import { step, withLeafSpan } from "../observability/span.ts"
import type { ItemOutcome, Settled } from "../services/product-store.ts"
import { mayBlameItems } from "./aws-error.ts"
import { countRequest, recordsRetried } from "./metrics.ts"
import { withRequestPermit } from "./request-permits.ts"

export interface RetryPolicyShape {
  /** Attempts per item, first one included. */
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  /**
   * One AWS call may not take longer than this; a slow call is cut and retried. batchCall hands it to each
   * attempt, whose request enforces it (awsRequest).
   */
  readonly attemptTimeoutMs: number
}

export const RetryPolicy = Context.Reference<RetryPolicyShape>("RetryPolicy", {
  defaultValue: () => ({ maxAttempts: 6, baseDelayMs: 25, maxDelayMs: 1_000, attemptTimeoutMs: 5_000 })
})

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
export const backoffMs = (policy: RetryPolicyShape, attempt: number, random: number = Math.random()): number => {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  return ceiling / 2 + random * (ceiling / 2)
}

const missingResult = <A>(operation: string): ItemOutcome<A> =>
  Result.fail(new AwsTransientError({ operation, code: "MissingResult", message: "no result for this entry" }))

/** A permanent failure pinned on one item: the item itself is at fault. */
const rejectItem = (error: AwsError): AwsError =>
  mayBlameItems(error)
    ? new AwsItemRejected({ operation: error.operation, code: error.code, message: error.message })
    : error

/**
 * One request of a batch call for `items`, each item's outcome in order; it must not take longer than
 * `timeoutMs` (awsRequest enforces it).
 */
export type BatchAttempt<I, A> = (
  items: ReadonlyArray<I>,
  timeoutMs: number
) => Effect.Effect<ReadonlyArray<ItemOutcome<A>>, AwsError>

/**
 * Sends `items` with one AWS batch call, then retries only the items that failed transiently
 * (a thrown call fails all of them; UnprocessedItems / Failed entries fail some), with backoff,
 * until they succeed, fail permanently or run out of attempts. Items are `settled` as soon as their
 * outcome is final, so that a deadline cut during a retry keeps what already went through.
 * When the whole call fails in a way one of its items may cause (a validation error, a value the
 * client cannot serialise), the items are split in halves and each half is sent on its own, down
 * to single items: the culprits are rejected alone (AwsItemRejected) and their neighbours go
 * through. Each attempt is given the policy's attemptTimeoutMs, which its request enforces (awsRequest:
 * aborted, failed with a transient TimeoutError). The deadline is enforced by the caller interrupting this
 * effect, which aborts the in-flight HTTP request. Its span, `batchCall`, has no span below it but its retries'
 * (`attempt n`, `backoff`), which name it as their parent: it is a leaf span (withLeafSpan), never the fiber's
 * current span, and none at all when tracing is off.
 */
export const batchCall = <I, A>(
  operation: string,
  items: ReadonlyArray<I>,
  attempt: BatchAttempt<I, A>,
  settled: Settled<I, A>
): Effect.Effect<void> =>
  withLeafSpan(
    "batchCall",
    () => ({ "aws.operation": operation, items: items.length }),
    (span) => callItems(operation, items, attempt, settled, span)
  )

/** batchCall's work; `span` is its span (undefined when tracing is off), the parent of its retries' spans. */
const callItems = Effect.fnUntraced(function*<I, A>(
  operation: string,
  items: ReadonlyArray<I>,
  attempt: BatchAttempt<I, A>,
  settled: Settled<I, A>,
  span: Tracer.Span | undefined
) {
  const policy = yield* RetryPolicy

  const callPart = (part: ReadonlyArray<I>): Effect.Effect<void> =>
    Effect.gen(function*() {
      let pending = part
      for (let n = 1; pending.length > 0; n++) {
        // The attempt's request is timed from the moment the call holds its permit, not while it waits for one.
        const call = yield* countRequest(operation).pipe(
          Effect.andThen(attempt(pending, policy.attemptTimeoutMs)),
          withRequestPermit,
          // The request's span is its first attempt's; each retry gets a span of its own.
          n === 1
            ? identity
            : step(`attempt ${n}`, {
              kind: "client",
              attributes: { "aws.operation": operation, items: pending.length },
              parent: span
            }),
          Effect.result
        )
        if (Result.isFailure(call) && pending.length > 1 && mayBlameItems(call.failure)) {
          const half = Math.ceil(pending.length / 2)
          const halves = [pending.slice(0, half), pending.slice(half)]
          yield* Effect.forEach(halves, callPart, { concurrency: "unbounded", discard: true })
          return
        }
        const outcomes = Result.isSuccess(call) ? call.success : pending.map(() => Result.fail(call.failure))
        const final: Array<readonly [I, ItemOutcome<A>]> = []
        const again: Array<I> = []
        pending.forEach((item, j) => {
          const outcome = outcomes[j] ?? missingResult(operation)
          if (Result.isSuccess(outcome)) final.push([item, outcome])
          else if (outcome.failure._tag === "AwsTransientError" && n < policy.maxAttempts) again.push(item)
          // A whole call's failure is the item's own only when the call held that item alone.
          else {
            const ownFailure = Result.isSuccess(call) || pending.length === 1
            final.push([item, Result.fail(ownFailure ? rejectItem(outcome.failure) : outcome.failure)])
          }
        })
        if (final.length > 0) yield* settled(final)
        pending = again
        if (pending.length > 0) {
          yield* Metric.update(recordsRetried, pending.length)
          yield* Effect.sleep(Duration.millis(backoffMs(policy, n))).pipe(
            step("backoff", { attributes: { retrying: pending.length }, parent: span })
          )
        }
      }
    })

  yield* callPart(items)
})
