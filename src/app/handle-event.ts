import { Effect } from "effect"
import { processBatch, safetyMarginMs } from "../batch/process-batch.ts"
import { countOutcomes, type RecordOutcome } from "../batch/outcome.ts"
import { decodeSqsEvent } from "../batch/sqs-event.ts"
import { RetryCounter } from "../aws/deliver.ts"
import { withRequestPermits } from "../aws/request-permits.ts"
import { handleProductWave } from "../products/handle-wave.ts"

const MAX_LOGGED_FAILURES = 20

const describeFailure = (error: RecordOutcomeFailure): string =>
  "code" in error ? `${error._tag}:${error.operation}:${error.code}` : error._tag

type RecordOutcomeFailure = Extract<RecordOutcome, { _tag: "Failed" }>["error"]

/** The slice of the Lambda context the handler relies on. */
export interface InvocationContext {
  readonly awsRequestId: string
  getRemainingTimeInMillis(): number
}

/** One invocation: validate the event, process the batch within the deadline, report failures. */
export const handleEvent = (event: unknown, context: InvocationContext) =>
  Effect.gen(function*() {
    const started = performance.now()
    const records = yield* decodeSqsEvent(event)
    const remaining = context.getRemainingTimeInMillis()
    const retries = { count: 0 }
    const result = yield* processBatch(records, handleProductWave, remaining - safetyMarginMs(remaining)).pipe(
      Effect.provideService(RetryCounter, retries),
      withRequestPermits
    )
    const counts = countOutcomes(result.outcomes, retries.count)
    const failed = result.outcomes.flatMap((o, i) => (o._tag === "Failed" ? [{ messageId: records[i]!.messageId, error: describeFailure(o.error) }] : []))
    if (failed.length > 0) {
      // Ids and error codes only, never bodies; bounded so a large failed batch stays one small line.
      yield* Effect.logWarning("records handed back to SQS").pipe(
        Effect.annotateLogs({ failed: failed.length, sample: failed.slice(0, MAX_LOGGED_FAILURES) })
      )
    }
    yield* Effect.logInfo("batch processed").pipe(
      Effect.annotateLogs({ records: records.length, ...counts, deadlineHit: result.deadlineHit, durationMs: Math.round(performance.now() - started) })
    )
    return { batchItemFailures: result.batchItemFailures.map((f) => ({ ...f })) }
  }).pipe(Effect.annotateLogs({ requestId: context.awsRequestId }))
