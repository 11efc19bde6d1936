import { Effect } from "effect"
import { processBatch, safetyMarginMs } from "../batch/process-batch.ts"
import { countOutcomes } from "../batch/outcome.ts"
import { decodeSqsEvent } from "../batch/sqs-event.ts"
import { RetryCounter } from "../aws/deliver.ts"
import { handleProductWave } from "../products/handle-wave.ts"

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
      Effect.provideService(RetryCounter, retries)
    )
    const counts = countOutcomes(result.outcomes, retries.count)
    yield* Effect.logInfo("batch processed").pipe(
      Effect.annotateLogs({ records: records.length, ...counts, deadlineHit: result.deadlineHit, durationMs: Math.round(performance.now() - started) })
    )
    return { batchItemFailures: result.batchItemFailures.map((f) => ({ ...f })) }
  }).pipe(Effect.annotateLogs({ requestId: context.awsRequestId }))
