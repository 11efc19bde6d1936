import { Effect, Result } from "effect"
import { invocationCounts, withInvocationMetrics } from "../aws/metrics.ts"
import { withRequestPermits } from "../aws/request-permits.ts"
import { processBatch, safetyMarginMs } from "../batch/process-batch.ts"
import { decodeSqsEvent } from "../batch/sqs-event.ts"
import { handleProductWave } from "../products/handle-wave.ts"
import { countOutcomes, describeFailure } from "../products/outcome.ts"

const MAX_LOGGED_FAILURES = 20

/** The slice of the Lambda context the handler relies on. */
export interface InvocationContext {
  readonly awsRequestId: string
  getRemainingTimeInMillis(): number
}

/** One invocation: validate the event, process the batch within the deadline, report failures. */
export const handleEvent = Effect.fn("handleEvent")(
  function*(event: unknown, context: InvocationContext) {
    const started = performance.now()
    const records = yield* decodeSqsEvent(event).pipe(step("decode"))
    const remaining = context.getRemainingTimeInMillis()
    const budgetMs = remaining - safetyMarginMs(remaining)
    const result = yield* processBatch(records, handleProductWave, budgetMs).pipe(withRequestPermits)
    const counts = countOutcomes(result.outcomes.map(([, outcome]) => outcome))
    const failed = result.outcomes.flatMap(([record, o]) =>
      Result.isFailure(o) ? [{ messageId: record.messageId, error: describeFailure(o.failure) }] : []
    )
    if (failed.length > 0) {
      // Ids and error codes only, never bodies; bounded so a large failed batch stays one small line.
      yield* Effect.logWarning("records handed back to SQS").pipe(
        Effect.annotateLogs({ failed: failed.length, sample: failed.slice(0, MAX_LOGGED_FAILURES) })
      )
    }
    const { retried, requests } = yield* invocationCounts
    yield* Effect.logInfo("batch processed").pipe(
      Effect.annotateLogs({
        records: records.length,
        ...counts,
        retried,
        requests,
        deadlineHit: result.deadlineHit,
        durationMs: Math.round(performance.now() - started)
      })
    )
    return { batchItemFailures: result.batchItemFailures.map((f) => ({ ...f })) }
  },
  withInvocationMetrics,
  (effect, _event, context) => Effect.annotateLogs(effect, { requestId: context.awsRequestId })
)
