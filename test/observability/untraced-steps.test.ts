import type { SQSClient } from "@aws-sdk/client-sqs"
import { describe, expect, test } from "bun:test"
import { Effect, Layer, Tracer } from "effect"
import { SqsClient } from "../../src/aws/clients.ts"
import { SqsOutputQueue } from "../../src/aws/sqs-queue.ts"
import { AppConfig } from "../../src/config.ts"
import type { Product } from "../../src/domain/product.ts"
import { OutputQueue } from "../../src/services/message-queue.ts"
import { ProductStore } from "../../src/services/product-store.ts"
import { dynamoStoreOn, fakeDocumentClient } from "../support/fake-document-client.ts"
import { FAST_RETRIES, memoryAppPerTest } from "../support/memory-app.ts"
import { invocationContext, sqsEvent, sqsRecord } from "../support/records.ts"
import { getAll, putAll, sendAll } from "../support/settled.ts"

// Every span Effect makes, as "name < parent's name": what the steps' spans cost is their making,
// exported or not, so the fan-out steps a trace has nothing to say about make none at all.
const recordingTracer = () => {
  const made: Array<string> = []
  const tracer = Tracer.make({
    span: (options) => {
      const parent = options.parent._tag === "Some" && options.parent.value._tag === "Span"
        ? options.parent.value.name
        : "-"
      made.push(`${options.name} < ${parent}`)
      return Tracer.nativeTracer.span(options)
    }
  })
  return { made, layer: Layer.succeed(Tracer.Tracer, tracer) }
}

const product = (i: number): Product => ({ pk: `p-${i}`, name: `n${i}`, price: i })

describe("the handler's fan-out steps make no spans: requests hang from the step that asked for them", () => {
  test("DynamoDB: putAll and getAll make one batchCall span per request, under their caller's span", async () => {
    const { made, layer } = recordingTracer()
    const { client } = fakeDocumentClient((call) =>
      call.name === "BatchWriteCommand" ? {} : { Responses: { products: [] } }
    )
    await Effect.runPromise(
      ProductStore.use((store) =>
        Effect.andThen(
          putAll(store, Array.from({ length: 30 }, (_, i) => product(i))),
          getAll(store, ["p-1", "p-2"])
        )
      ).pipe(
        Effect.withSpan("round"),
        Effect.provide(Layer.mergeAll(dynamoStoreOn(client), FAST_RETRIES, layer))
      )
    )
    expect(made).toEqual(["round < -", "batchCall < round", "batchCall < round", "batchCall < round"])
  })

  test("SQS: sendAll makes one batchCall span per SendMessageBatch request, under its caller's span", async () => {
    const { made, layer } = recordingTracer()
    const client = {
      send: async (command: { input: { Entries: Array<{ Id: string }> } }) => ({
        $metadata: {},
        Successful: command.input.Entries.map((e) => ({ Id: e.Id, MessageId: e.Id, MD5OfMessageBody: "" }))
      })
    } as unknown as SQSClient
    const messages = Array.from({ length: 12 }, (_, i) => ({ body: `m${i}`, attributes: {} }))
    await Effect.runPromise(
      OutputQueue.use((queue) => sendAll(queue, messages)).pipe(
        Effect.withSpan("round"),
        Effect.provide(
          Layer.mergeAll(
            SqsOutputQueue.pipe(Layer.provide(Layer.mergeAll(
              Layer.succeed(SqsClient, client),
              Layer.succeed(AppConfig, {
                tableName: "t",
                outputQueueUrl: "http://q/o",
                deadLetterQueueUrl: "http://q/d",
                maxConcurrency: 4,
                awsHttpClient: "socket"
              })
            ))),
            FAST_RETRIES,
            layer
          )
        )
      )
    )
    expect(made).toEqual(["round < -", "batchCall < round", "batchCall < round"])
  })

  const memoryApp = memoryAppPerTest()

  test("an invocation: its round hangs from the invocation's span, with no batch engine span between", async () => {
    const { made, layer } = recordingTracer()
    const app = memoryApp({ extra: layer })
    await app.handler(
      sqsEvent(sqsRecord(`{"name":"Widget","price":1}`, { messageId: "a-1" }), sqsRecord(`{"pk":"a-1"}`)),
      invocationContext()
    )
    expect(made).not.toContain("processBatch < handleEvent")
    expect(made.filter((s) => s.startsWith("handleProductRound"))).toEqual(["handleProductRound < handleEvent"])
    expect(made).toContain("decodeSqsEvent < handleEvent")
  })
})
