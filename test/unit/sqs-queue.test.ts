import type { SQSClient } from "@aws-sdk/client-sqs"
import { describe, expect, test } from "bun:test"
import { Effect, Layer, Result } from "effect"
import { RetryPolicy } from "../../src/aws/batch-call.ts"
import { SqsClient } from "../../src/aws/clients.ts"
import { SqsDeadLetterQueue, SqsOutputQueue } from "../../src/aws/sqs-queue.ts"
import { AppConfig } from "../../src/config.ts"
import { sqsMessageBytes } from "../../src/domain/limits.ts"
import { DeadLetterQueue, type OutgoingMessage, OutputQueue } from "../../src/services/message-queue.ts"
import type { ItemOutcome } from "../../src/services/product-store.ts"
import { hungUntilAborted } from "../support/hung-request.ts"
import { FAST_RETRIES } from "../support/memory-app.ts"
import { sendAll } from "../support/settled.ts"

type Entry = {
  Id: string
  MessageBody: string
  MessageAttributes: Record<string, { StringValue: string }>
  MessageGroupId?: string
  MessageDeduplicationId?: string
}
type Call = { QueueUrl: string; Entries: Array<Entry> }

const fakeSqs = (
  reply: (call: Call) => { Failed?: Array<{ Id: string; Code: string; SenderFault: boolean; Message?: string }> }
) => {
  const calls: Array<Call> = []
  const client = {
    send: async (command: { input: Call }) => {
      calls.push(command.input)
      const { Failed = [] } = reply(command.input)
      const failed = new Set(Failed.map((f) => f.Id))
      return {
        $metadata: {},
        Failed,
        Successful: command.input.Entries.filter((e) => !failed.has(e.Id)).map((e) => ({
          Id: e.Id,
          MessageId: `id-${e.Id}`,
          MD5OfMessageBody: ""
        }))
      }
    }
  }
  return { client: client as unknown as SQSClient, calls }
}

const send = (
  client: SQSClient,
  messages: Array<OutgoingMessage>,
  queue: "output" | "dlq" = "output",
  urls = { out: "http://sqs/out", dlq: "http://sqs/dlq" },
  retries: Layer.Layer<never> = FAST_RETRIES
) =>
  Effect.runPromise(
    (queue === "output"
      ? OutputQueue.use((q) => sendAll(q, messages))
      : DeadLetterQueue.use((q) => sendAll(q, messages)) as Effect.Effect<
        ReadonlyArray<ItemOutcome<void>>,
        never,
        OutputQueue | DeadLetterQueue
      >).pipe(
        Effect.provide(
          Layer.mergeAll(SqsOutputQueue, SqsDeadLetterQueue).pipe(
            Layer.provide(Layer.mergeAll(
              Layer.succeed(SqsClient, client),
              Layer.succeed(AppConfig, {
                tableName: "t",
                outputQueueUrl: urls.out,
                deadLetterQueueUrl: urls.dlq,
                maxConcurrency: 4,
                awsHttpClient: "socket"
              })
            ))
          )
        ),
        Effect.provide(retries)
      )
  )

const message = (i: number, bodyBytes = 10): OutgoingMessage => ({
  body: "x".repeat(bodyBytes),
  attributes: { correlationId: `c-${i}` }
})

describe("SQS queues", () => {
  test("25 messages become SendMessageBatch requests of at most 10 entries, attributes as String", async () => {
    const { client, calls } = fakeSqs(() => ({}))
    const results = await send(client, Array.from({ length: 25 }, (_, i) => message(i)))
    expect(calls.map((c) => c.Entries.length)).toEqual([10, 10, 5])
    expect(calls[0]!.QueueUrl).toBe("http://sqs/out")
    expect(calls[0]!.Entries[0]!.MessageAttributes).toEqual(
      { correlationId: { DataType: "String", StringValue: "c-0" } } as never
    )
    expect(results.every(Result.isSuccess)).toBe(true)
  })

  test("requests stay within 1 MiB in total", async () => {
    const { client, calls } = fakeSqs(() => ({}))
    await send(client, Array.from({ length: 5 }, (_, i) => message(i, 300_000)))
    expect(calls.map((c) => c.Entries.length)).toEqual([3, 2])
    for (const call of calls) {
      const bytes = call.Entries.reduce(
        (n, e) =>
          n +
          sqsMessageBytes({
            body: e.MessageBody,
            attributes: { correlationId: e.MessageAttributes.correlationId!.StringValue }
          }),
        0
      )
      expect(bytes).toBeLessThanOrEqual(1_048_576)
    }
  })

  test("a server-side Failed entry is retried alone; a sender fault is final", async () => {
    let round = 0
    const { client, calls } = fakeSqs((call) => {
      round++
      if (round === 1) {
        return {
          Failed: [{ Id: call.Entries[1]!.Id, Code: "InternalError", SenderFault: false }, {
            Id: call.Entries[2]!.Id,
            Code: "InvalidMessageContents",
            SenderFault: true
          }]
        }
      }
      return {}
    })
    const results = await send(client, [message(0), message(1), message(2)])
    expect(calls.map((c) => c.Entries.map((e) => e.MessageAttributes.correlationId!.StringValue))).toEqual([[
      "c-0",
      "c-1",
      "c-2"
    ], ["c-1"]])
    expect(Result.isSuccess(results[0]!)).toBe(true)
    expect(Result.isSuccess(results[1]!)).toBe(true)
    expect(results[2]).toMatchObject({ failure: { _tag: "AwsItemRejected", code: "InvalidMessageContents" } })
  })

  test("FIFO queues get the group id and the source message id for deduplication; the DLQ has its own URL", async () => {
    const { client, calls } = fakeSqs(() => ({}))
    await send(client, [{ body: "b", attributes: {}, groupId: "g", deduplicationId: "m-1" }], "dlq", {
      out: "http://sqs/out",
      dlq: "http://sqs/dlq.fifo"
    })
    expect(calls[0]!.QueueUrl).toBe("http://sqs/dlq.fifo")
    expect(calls[0]!.Entries[0]).toMatchObject({ MessageGroupId: "g", MessageDeduplicationId: "m-1" })
    const standard = fakeSqs(() => ({}))
    await send(standard.client, [{ body: "b", attributes: {}, groupId: "g", deduplicationId: "m-1" }])
    expect(standard.calls[0]!.Entries[0]!.MessageGroupId).toBeUndefined()
  })

  test("a send with no answer within attemptTimeoutMs is aborted and retried; the retry's answer counts", async () => {
    const signals: Array<AbortSignal> = []
    const client = {
      send: (command: { input: Call }, options: { abortSignal: AbortSignal }) => {
        signals.push(options.abortSignal)
        const Successful = command.input.Entries.map((e) => ({
          Id: e.Id,
          MessageId: `id-${e.Id}`,
          MD5OfMessageBody: ""
        }))
        if (signals.length > 1) return Promise.resolve({ $metadata: {}, Failed: [], Successful })
        // The first never answers.
        return hungUntilAborted(options.abortSignal)
      }
    } as unknown as SQSClient
    const policy = Layer.succeed(RetryPolicy, { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, attemptTimeoutMs: 60 })
    const started = performance.now()
    const results = await send(client, [message(0)], "output", undefined, policy)
    expect(performance.now() - started).toBeGreaterThanOrEqual(55)
    expect(signals.map((s) => s.aborted)).toEqual([true, false])
    expect(results).toEqual([Result.void])
  })
})
