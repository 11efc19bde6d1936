import { Effect, Result } from "effect"
import { invocationCounts, withInvocationMetrics } from "../aws/metrics.ts"
import { withRequestPermits } from "../aws/request-permits.ts"
import { processBatch, safetyMarginMs } from "../batch/process-batch.ts"
import { decodeSqsEvent } from "../batch/sqs-event.ts"
import { publishMetrics, recordInvocation } from "../observability/publish-metrics.ts"
import { tracedSpan } from "../observability/span.ts"
import { handleProductRound } from "../products/handle-round.ts"
import { countOutcomes, describeFailure } from "../products/outcome.ts"

const MAX_LOGGED_FAILURES = 20

/** The slice of the Lambda context the handler relies on. */
export interface InvocationContext {
  readonly awsRequestId: string
  getRemainingTimeInMillis(): number
}

/** What the entry point knows about the invocation beyond Lambda's context. */
export interface Observed {
  /** The environment's first invocation. */
  readonly coldStart: boolean
}

/**
 * One invocation: validate the event, process the batch within the deadline, report failures, and
 * write the invocation's metrics (one EMF line). Its span is the invocation's root span. Effect.fn's span
 * without its cost when tracing is off (tracedSpan), as for every function the hot path calls.
 */
export const handleEvent = Effect.fnUntraced(
  function*(event: unknown, context: InvocationContext, observed: Observed = { coldStart: false }) {
    const startedAt = Date.now()
    const started = performance.now()
    const records = yield* decodeSqsEvent(event)
    const remaining = context.getRemainingTimeInMillis()
    const budgetMs = remaining - safetyMarginMs(remaining)
    yield* Effect.annotateCurrentSpan({
      "faas.invocation_id": context.awsRequestId,
      records: records.length,
      "lambda.deadline_unix_ms": startedAt + remaining,
      "batch.stop_unix_ms": startedAt + budgetMs
    })
    const result = yield* processBatch(records, handleProductRound, budgetMs).pipe(withRequestPermits)
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
    const oldest = records.reduce((min, r) => Math.min(min, r.sentTimestamp ?? Infinity), Infinity)
    yield* recordInvocation({
      received: records.length,
      oldestSentTimestamp: Number.isFinite(oldest) ? oldest : undefined,
      startedAt,
      added: counts.added,
      found: counts.sent,
      notFound: counts.notFound,
      deadLettered: counts.invalid,
      handedBack: result.batchItemFailures.length,
      deadlineHit: result.deadlineHit,
      coldStart: observed.coldStart,
      durationMs: performance.now() - started
    })
    yield* publishMetrics(context.awsRequestId)
    return { batchItemFailures: result.batchItemFailures.map((f) => ({ ...f })) }
  },
  withInvocationMetrics,
  (effect, _event, context, _observed?: Observed) => Effect.annotateLogs(effect, { requestId: context.awsRequestId }),
  tracedSpan("handleEvent")
)
