import { Effect, Result, Schema } from "effect"
import { compiledDecoder } from "../domain/compiled-decoder.ts"
import { InvalidEvent } from "../domain/errors.ts"
import { oneLine } from "../domain/one-line.ts"
import { leafSpan } from "../observability/span.ts"

// Only what the function uses is checked; everything else in Lambda's record shape passes through.
const SqsRecord = Schema.Struct({
  messageId: Schema.NonEmptyString,
  body: Schema.String,
  eventSource: Schema.optional(Schema.Literal("aws:sqs")),
  attributes: Schema.optional(Schema.Struct({
    SentTimestamp: Schema.optional(Schema.String),
    MessageGroupId: Schema.optional(Schema.String),
    ApproximateReceiveCount: Schema.optional(Schema.String)
  }))
})
const SqsEvent = Schema.Struct({ Records: Schema.Array(SqsRecord) })
// Made once and compiled at init, as it runs for every invocation: the sample reaches every nested schema.
const decodeEvent = compiledDecoder(SqsEvent, {
  Records: [{
    messageId: "m",
    body: "",
    eventSource: "aws:sqs",
    attributes: { SentTimestamp: "1", MessageGroupId: "g", ApproximateReceiveCount: "1" }
  }]
})

/** One SQS record, reduced to what processing needs. */
export interface BatchRecord {
  readonly messageId: string
  readonly body: string
  /** FIFO queues only: records of one group are processed in order. */
  readonly groupId?: string
  /** Milliseconds since the epoch, as SQS stamped the message on arrival. */
  readonly sentTimestamp?: number
}

const toBatchRecord = (r: typeof SqsRecord.Type): BatchRecord => {
  const sent = Number(r.attributes?.SentTimestamp)
  return {
    messageId: r.messageId,
    body: r.body,
    ...(r.attributes?.MessageGroupId ? { groupId: r.attributes.MessageGroupId } : {}),
    ...(Number.isSafeInteger(sent) && sent > 0 ? { sentTimestamp: sent } : {})
  }
}

/**
 * Validates the Lambda event; anything that is not an SQS event fails the whole invocation. Its span has no span
 * below it (leafSpan: not the fiber's current span), and none at all when tracing is off.
 */
export const decodeSqsEvent = Effect.fnUntraced(
  function*(event: unknown): Effect.fn.Return<ReadonlyArray<BatchRecord>, InvalidEvent> {
    const decoded = decodeEvent(event)
    if (Result.isSuccess(decoded)) return decoded.success.Records.map(toBatchRecord)
    return yield* new InvalidEvent({ reason: `not an SQS event: ${oneLine(decoded.failure.message)}` })
  },
  leafSpan("decodeSqsEvent")
)
