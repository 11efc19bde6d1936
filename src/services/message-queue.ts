import { Context, type Effect } from "effect"
import type { Settled } from "./product-store.ts"

export interface OutgoingMessage {
  readonly body: string
  readonly attributes: Readonly<Record<string, string>>
  /** Only used when the queue is FIFO. */
  readonly groupId?: string
  readonly deduplicationId?: string
}

export interface MessageQueueShape {
  /** Sends each item's message; each item gets its own outcome through `settled`. Never fails as a whole. */
  readonly sendAll: <T>(
    items: ReadonlyArray<T>,
    messageOf: (item: T) => OutgoingMessage,
    settled: Settled<T, void>
  ) => Effect.Effect<void>
}

/** Where products read by `{"pk"}` messages are sent. */
export class OutputQueue extends Context.Service<OutputQueue, MessageQueueShape>()("OutputQueue") {}

/** Where messages that break the contract are parked, with the reason. */
export class DeadLetterQueue extends Context.Service<DeadLetterQueue, MessageQueueShape>()("DeadLetterQueue") {}
