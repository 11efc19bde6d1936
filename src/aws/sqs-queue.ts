import { SendMessageBatchCommand, type SendMessageBatchRequestEntry } from "@aws-sdk/client-sqs"
import { Effect, Layer, Result } from "effect"
import { forEachAtOnce } from "../batch/all-at-once.ts"
import { AppConfig } from "../config.ts"
import { AwsTransientError } from "../domain/errors.ts"
import { SQS_BATCH_MAX_ENTRIES, sqsMessageBytes } from "../domain/limits.ts"
import {
  DeadLetterQueue,
  type MessageQueueShape,
  type OutgoingMessage,
  OutputQueue
} from "../services/message-queue.ts"
import type { ItemOutcome, Settled } from "../services/product-store.ts"
import { entryError } from "./aws-error.ts"
import { awsRequest } from "./aws-request.ts"
import { batchCall } from "./batch-call.ts"
import { sendAborting } from "./cached-handlers.ts"
import { chunksByWeight } from "./chunk.ts"
import { SqsClient } from "./clients.ts"
import { messageAttributes } from "./sqs-attributes.ts"

// SendMessageBatch limits: SQS_BATCH_MAX_ENTRIES entries, and 1 MiB for the whole request (bodies plus attributes).
export const SEND_BATCH_BYTES = 1_048_576

export const isFifoQueue = (queueUrl: string) => queueUrl.endsWith(".fifo")

/** One SendMessageBatch entry: the body, its attributes as strings, and on FIFO queues the group. */
export const toEntry = (m: OutgoingMessage, id: string, fifo: boolean): SendMessageBatchRequestEntry => ({
  Id: id,
  MessageBody: m.body,
  MessageAttributes: messageAttributes(m.attributes),
  ...(fifo
    ? {
      MessageGroupId: m.groupId ?? "default",
      ...(m.deduplicationId ? { MessageDeduplicationId: m.deduplicationId } : {})
    }
    : {})
})

const sqsQueue = (queueUrl: string) =>
  Effect.gen(function*() {
    const client = yield* SqsClient
    const fifo = isFifoQueue(queueUrl)

    // The queue's steps are untraced: a trace shows each request as its batchCall span, and a span
    // here would say nothing more but cost its making on every call (see README, "What it costs").

    /** One SendMessageBatch request; entry ids are positions in the chunk. */
    const sendChunk = Effect.fnUntraced(
      function* sendChunk(messages: ReadonlyArray<OutgoingMessage>, timeoutMs: number) {
        const { Successful, Failed } = yield* awsRequest("SendMessageBatch", timeoutMs, (abortSignal) =>
          sendAborting(
            client,
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: messages.map((m, i) => toEntry(m, String(i), fifo))
            }),
            abortSignal
          ))
        const ok = new Set((Successful ?? []).map((s) => s.Id))
        const failed = new Map((Failed ?? []).map((f) => [f.Id, f]))
        return messages.map((_, i): ItemOutcome<void> => {
          const failure = failed.get(String(i))
          if (failure) return Result.fail(entryError("SendMessageBatch", failure))
          if (ok.has(String(i))) return Result.void
          const message = "SQS reported no result for the entry"
          return Result.fail(new AwsTransientError({ operation: "SendMessageBatch", code: "MissingResult", message }))
        })
      }
    )

    return {
      // Every chunk at once: the invocation's request permits bound what is in flight.
      sendAll: Effect.fnUntraced(function* sendAll<T>(
        items: ReadonlyArray<T>,
        messageOf: (item: T) => OutgoingMessage,
        settled: Settled<T, void>
      ) {
        yield* forEachAtOnce(
          chunksByWeight(items, SQS_BATCH_MAX_ENTRIES, SEND_BATCH_BYTES, (item) => sqsMessageBytes(messageOf(item))),
          (chunk) =>
            batchCall(
              "SendMessageBatch",
              chunk,
              (sending, timeoutMs) => sendChunk(sending.map(messageOf), timeoutMs),
              settled
            )
        )
      })
    } satisfies MessageQueueShape
  })

export const SqsOutputQueue = Layer.effect(OutputQueue, Effect.flatMap(AppConfig, (c) => sqsQueue(c.outputQueueUrl)))
export const SqsDeadLetterQueue = Layer.effect(
  DeadLetterQueue,
  Effect.flatMap(AppConfig, (c) => sqsQueue(c.deadLetterQueueUrl))
)
