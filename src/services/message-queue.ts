import { Context, Effect, Layer, Result } from "effect"
import type { AwsError } from "../domain/errors.ts"
import type { ItemOutcome } from "./product-store.ts"

export interface OutgoingMessage {
  readonly body: string
  readonly attributes: Readonly<Record<string, string>>
  /** Only used when the queue is FIFO. */
  readonly groupId?: string
  readonly deduplicationId?: string
}

export interface MessageQueueShape {
  /** Send every message; one outcome per message, in input order. Never fails as a whole. */
  readonly sendAll: (messages: ReadonlyArray<OutgoingMessage>) => Effect.Effect<ReadonlyArray<ItemOutcome<void>>>
}

/** Where products read by `{"pk"}` messages are sent. */
export class OutputQueue extends Context.Service<OutputQueue, MessageQueueShape>()("OutputQueue") {}

/** Where messages that break the contract are parked, with the reason. */
export class DeadLetterQueue extends Context.Service<DeadLetterQueue, MessageQueueShape>()("DeadLetterQueue") {}

/** An in-memory queue for unit tests: `sent` collects what was sent; `fault` fails chosen messages. */
export const memoryQueue = (
  sent: Array<OutgoingMessage>,
  fault: (message: OutgoingMessage) => AwsError | undefined = () => undefined
): MessageQueueShape => ({
  sendAll: (messages) =>
    Effect.sync(() =>
      messages.map((m) => {
        const error = fault(m)
        if (error) return Result.fail(error)
        sent.push(m)
        return Result.void
      })
    )
})

export const memoryQueues = (options: {
  readonly output: Array<OutgoingMessage>
  readonly deadLetter: Array<OutgoingMessage>
  readonly outputFault?: (message: OutgoingMessage) => AwsError | undefined
  readonly deadLetterFault?: (message: OutgoingMessage) => AwsError | undefined
}) =>
  Layer.mergeAll(
    Layer.succeed(OutputQueue, memoryQueue(options.output, options.outputFault)),
    Layer.succeed(DeadLetterQueue, memoryQueue(options.deadLetter, options.deadLetterFault))
  )
