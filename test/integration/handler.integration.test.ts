import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs"
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { Effect, Layer, Result } from "effect"
import { drainQueue, scanAll } from "../../local/aws/inspect.ts"
import { localClientConfig } from "../../local/aws/local-clients.ts"
import { appConfigOf, type LocalStack, startLocalStack } from "../../local/aws/local-stack.ts"
import { seedProducts } from "../../local/aws/seed.ts"
import { type AwsProxy, startAwsProxy } from "../../local/proxy/aws-proxy.ts"
import { liveLayer } from "../../src/app/live-layer.ts"
import { makeHandler } from "../../src/app/make-handler.ts"
import { DynamoDocumentClient } from "../../src/aws/clients.ts"
import { DynamoProductStore } from "../../src/aws/dynamo-product-store.ts"
import { AppConfig } from "../../src/config.ts"
import { isFifoId } from "../../src/domain/fifo-id.ts"
import type { Product } from "../../src/domain/product.ts"
import { ProductStore } from "../../src/services/product-store.ts"
import { FAST_RETRIES } from "../support/memory-app.ts"
import { invocationContext, sqsEvent, sqsRecord } from "../support/records.ts"
import { getAll, putAll } from "../support/settled.ts"

// The real handler, real AWS SDK calls, against dynalite and local-aws-sqs started here
// (or whatever AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SQS point to).
let stack: LocalStack
let app: ReturnType<typeof makeHandler>

/** Points the function's AWS_ENDPOINT_URL_* at proxies in front of the stack; returns what undoes it. */
const functionThrough = (proxies: { dynamodb: AwsProxy; sqs: AwsProxy }) => {
  const previous = { dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB, sqs: process.env.AWS_ENDPOINT_URL_SQS }
  process.env.AWS_ENDPOINT_URL_DYNAMODB = proxies.dynamodb.url
  process.env.AWS_ENDPOINT_URL_SQS = proxies.sqs.url
  return () => {
    process.env.AWS_ENDPOINT_URL_DYNAMODB = previous.dynamodb
    process.env.AWS_ENDPOINT_URL_SQS = previous.sqs
  }
}
const saved = { ...process.env }

beforeAll(async () => {
  stack = await startLocalStack({ prefix: `it-${process.pid}-${Date.now()}` })
  Object.assign(process.env, stack.functionEnv)
  app = makeHandler(
    liveLayer(appConfigOf(stack, 16), "Warn")
  )
})

afterAll(async () => {
  await app?.dispose()
  await stack?.close()
  process.env = saved
})

describe("handler against the emulators", () => {
  test("adds, reads, a missing read and a poison message, end to end", async () => {
    const adds = [
      sqsRecord(`{"name":"Widget","price":9.99}`, { messageId: "it-add-1" }),
      sqsRecord(`{"name":"Gadget","price":0}`, { messageId: "it-add-2" })
    ]
    expect(await app.handler(sqsEvent(...adds, sqsRecord(`{"pk":1}`, { messageId: "it-bad" })), invocationContext()))
      .toEqual({ batchItemFailures: [] })
    expect(
      await app.handler(
        sqsEvent(
          sqsRecord(`{"pk":"it-add-1"}`, { messageId: "it-get-1" }),
          sqsRecord(`{"pk":"ghost"}`, { messageId: "it-get-2" })
        ),
        invocationContext()
      )
    ).toEqual({ batchItemFailures: [] })

    const items = await scanAll(stack.endpoints.dynamodb, stack.tableName)
    expect(items.map((i) => i.pk).sort()).toEqual(["it-add-1", "it-add-2"])
    expect(items.find((i) => i.pk === "it-add-1")).toMatchObject({
      name: "Widget",
      price: 9.99,
      createdAt: "2023-11-14T22:13:20.000Z"
    })

    const output = await drainQueue(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
    const byCorrelation = new Map(output.map((m) => [m.MessageAttributes?.correlationId?.StringValue, m]))
    expect(JSON.parse(byCorrelation.get("it-get-1")!.Body!)).toEqual({
      pk: "it-add-1",
      name: "Widget",
      price: 9.99,
      createdAt: "2023-11-14T22:13:20.000Z"
    })
    expect(byCorrelation.get("it-get-1")!.MessageAttributes?.outcome?.StringValue).toBe("found")
    expect(JSON.parse(byCorrelation.get("it-get-2")!.Body!)).toEqual({ pk: "ghost", error: "ProductNotFound" })
    expect(byCorrelation.get("it-get-2")!.MessageAttributes?.outcome?.StringValue).toBe("not_found")

    const dead = await drainQueue(stack.endpoints.sqs, stack.deadLetterQueueUrl, { remove: true })
    expect(dead).toHaveLength(1)
    expect(dead[0]!.Body).toBe(`{"pk":1}`)
    expect(dead[0]!.MessageAttributes?.errorType?.StringValue).toBe("InvalidMessage")
    expect(dead[0]!.MessageAttributes?.sourceMessageId?.StringValue).toBe("it-bad")
  })

  test("seeded products are the very items the function writes, and the function finds them", async () => {
    await app.handler(
      sqsEvent(sqsRecord(`{"name":"Twin","price":5}`, { messageId: "it-seed-written" })),
      invocationContext()
    )
    // More than one BatchWriteItem's worth, so that the chunking is exercised too.
    const seeded = Array.from({ length: 30 }, (_, i): Product => ({
      pk: `it-seed-${i}`,
      name: "Twin",
      price: 5,
      createdAt: "2023-11-14T22:13:20.000Z"
    }))
    await seedProducts(stack.endpoints.dynamodb, stack.tableName, seeded)
    const items = await scanAll(stack.endpoints.dynamodb, stack.tableName)
    const { pk: _, ...written } = items.find((i) => i.pk === "it-seed-written")!
    const copies = items.filter((i) => String(i.pk).startsWith("it-seed-") && i.pk !== "it-seed-written")
    expect(copies).toHaveLength(30)
    for (const { pk: _, ...copy } of copies) expect(copy).toEqual(written)
    const reads = seeded.map((p, i) => sqsRecord(JSON.stringify({ pk: p.pk }), { messageId: `it-seed-read-${i}` }))
    expect((await app.handler(sqsEvent(...reads), invocationContext())).batchItemFailures).toEqual([])
    const output = await drainQueue(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
    expect(output.map((m) => m.MessageAttributes?.outcome?.StringValue)).toEqual(seeded.map(() => "found"))
  })

  test("a redelivered add leaves exactly one product", async () => {
    const record = sqsRecord(`{"name":"Once","price":1}`, { messageId: "it-redelivered" })
    await app.handler(sqsEvent(record), invocationContext())
    await app.handler(sqsEvent(record), invocationContext())
    const items = await scanAll(stack.endpoints.dynamodb, stack.tableName)
    expect(items.filter((i) => i.name === "Once")).toHaveLength(1)
  })

  test("1,000 adds then 1,000 reads in one invocation each: every record lands, nothing fails", async () => {
    const adds = Array.from(
      { length: 1_000 },
      (_, i) => sqsRecord(JSON.stringify({ name: `bulk-${i}`, price: i }), { messageId: `bulk-${i}` })
    )
    expect((await app.handler(sqsEvent(...adds), invocationContext())).batchItemFailures).toEqual([])
    const reads = adds.map((a, i) => sqsRecord(JSON.stringify({ pk: a.messageId }), { messageId: `bulk-read-${i}` }))
    expect((await app.handler(sqsEvent(...reads), invocationContext())).batchItemFailures).toEqual([])
    const items = await scanAll(stack.endpoints.dynamodb, stack.tableName)
    expect(items.filter((i) => String(i.pk).startsWith("bulk-"))).toHaveLength(1_000)
    const output = await drainQueue(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
    expect(output).toHaveLength(1_000)
    expect(output.every((m) => m.MessageAttributes?.outcome?.StringValue === "found")).toBe(true)
  }, 60_000)

  test("a missing table is a configuration failure: records are reported failed, never dropped", async () => {
    const broken = makeHandler(Layer.mergeAll(
      liveLayer({ ...appConfigOf(stack, 4), tableName: "no-such-table" }, "None"),
      FAST_RETRIES
    ))
    const result = await broken.handler(
      sqsEvent(sqsRecord(`{"name":"x","price":1}`, { messageId: "it-lost?" })),
      invocationContext()
    )
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "it-lost?" }])
    await broken.dispose()
  })

  test("AWS_ENDPOINT_URL_SQS wins over the host in the queue URL (regression: sends bypassed the endpoint)", async () => {
    const proxy = startAwsProxy({ target: stack.endpoints.sqs })
    const previous = process.env.AWS_ENDPOINT_URL_SQS
    process.env.AWS_ENDPOINT_URL_SQS = proxy.url
    const viaProxy = makeHandler(
      liveLayer(appConfigOf(stack, 4), "None")
    )
    try {
      await viaProxy.handler(sqsEvent(sqsRecord(`{"pk":"anything"}`, { messageId: "it-proxy" })), invocationContext())
      expect(proxy.counts.get("SendMessageBatch")).toBe(1)
    } finally {
      process.env.AWS_ENDPOINT_URL_SQS = previous
      await viaProxy.dispose()
      await proxy.stop()
      await drainQueue(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
    }
  })

  test("the clients keep connections alive: 20 invocations, one connection per service (regression guard)", async () => {
    // A transport that opens a connection per request would pay a TLS handshake per call on AWS.
    const dynamodb = startAwsProxy({ target: stack.endpoints.dynamodb })
    const sqs = startAwsProxy({ target: stack.endpoints.sqs })
    const restore = functionThrough({ dynamodb, sqs })
    const viaProxy = makeHandler(
      liveLayer(appConfigOf(stack, 4), "None")
    )
    try {
      for (let i = 0; i < 20; i++) {
        const add = sqsRecord(JSON.stringify({ name: `kept-${i}`, price: i }), { messageId: `it-kept-${i}` })
        const read = sqsRecord(JSON.stringify({ pk: `it-kept-${i}` }), { messageId: `it-kept-read-${i}` })
        expect((await viaProxy.handler(sqsEvent(add), invocationContext())).batchItemFailures).toEqual([])
        expect((await viaProxy.handler(sqsEvent(read), invocationContext())).batchItemFailures).toEqual([])
      }
      expect(dynamodb.total()).toBe(40)
      expect(sqs.total()).toBe(20)
      expect(dynamodb.connections()).toBe(1)
      expect(sqs.connections()).toBe(1)
    } finally {
      restore()
      await viaProxy.dispose()
      await Promise.all([dynamodb.stop(), sqs.stop()])
      await drainQueue(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
    }
  })

  test("values the table cannot hold, each between valid neighbours: the neighbours are applied, each culprit is parked with its reason", async () => {
    const bodies: Array<[string, string]> = [
      ["unstorable-ok-1", `{"name":"ok-1","price":1}`],
      ["unstorable-big", `{"name":"big","price":1e16}`],
      ["unstorable-ok-2", `{"name":"ok-2","price":2}`],
      ["unstorable-tiny", `{"name":"tiny","price":1e-200}`],
      ["unstorable-ok-3", `{"name":"ok-3","price":3}`],
      ["unstorable-key", JSON.stringify({ pk: "€".repeat(700) })],
      ["unstorable-ok-4", `{"name":"ok-4","price":1e-130}`],
      ["unstorable-ok-5", `{"name":"ok-5","price":9007199254740991}`]
    ]
    const result = await app.handler(
      sqsEvent(...bodies.map(([id, body]) => sqsRecord(body, { messageId: id }))),
      invocationContext()
    )
    expect(result.batchItemFailures).toEqual([])
    const stored = (await scanAll(stack.endpoints.dynamodb, stack.tableName)).filter((i) =>
      String(i.pk).startsWith("unstorable-")
    )
    expect(stored.map((i) => [i.pk, i.price]).sort()).toEqual([
      ["unstorable-ok-1", 1],
      ["unstorable-ok-2", 2],
      ["unstorable-ok-3", 3],
      ["unstorable-ok-4", 1e-130],
      ["unstorable-ok-5", 9007199254740991]
    ])
    const dead = await drainQueue(stack.endpoints.sqs, stack.deadLetterQueueUrl, { remove: true })
    const reasons = new Map(
      dead.map((
        m
      ) => [m.MessageAttributes?.sourceMessageId?.StringValue, m.MessageAttributes?.errorMessage?.StringValue])
    )
    expect([...reasons.keys()].sort()).toEqual(["unstorable-big", "unstorable-key", "unstorable-tiny"])
    expect(reasons.get("unstorable-big")).toContain("Number.MAX_SAFE_INTEGER")
    expect(reasons.get("unstorable-tiny")).toContain("1e-130")
    expect(reasons.get("unstorable-key")).toContain("2048 bytes")
  })

  test("the store isolates what the contract did not foresee: culprits rejected alone, neighbours applied", async () => {
    const layer = DynamoProductStore.pipe(Layer.provide(Layer.mergeAll(
      DynamoDocumentClient.layer,
      Layer.succeed(AppConfig, appConfigOf(stack, 4))
    )))
    const product = (pk: string, price: number): Product => ({ pk, name: pk, price })
    // Refused by DynamoDB (ValidationException), by the document client (serialisation), by DynamoDB (key size).
    const products = [
      product("iso-1", 1),
      product("iso-tiny", 1e-200),
      product("iso-2", 2),
      product("iso-big", 1e16),
      product("iso-3", 3),
      product("k".repeat(2_049), 4),
      product("iso-4", 4)
    ]
    const [written, read] = await Effect.runPromise(
      ProductStore.use((store) =>
        Effect.all([putAll(store, products), getAll(store, ["iso-1", "k".repeat(2_049), "iso-4"])], { concurrency: 1 })
      ).pipe(Effect.provide(Layer.mergeAll(layer, FAST_RETRIES)))
    )
    expect(written.map((r) => (Result.isSuccess(r) ? "ok" : r.failure._tag))).toEqual([
      "ok",
      "AwsItemRejected",
      "ok",
      "AwsItemRejected",
      "ok",
      "AwsItemRejected",
      "ok"
    ])
    expect(read.map((r) => (Result.isSuccess(r) ? r.success?.pk ?? "missing" : r.failure._tag))).toEqual([
      "iso-1",
      "AwsItemRejected",
      "iso-4"
    ])
    const stored = (await scanAll(stack.endpoints.dynamodb, stack.tableName)).filter((i) =>
      String(i.pk).startsWith("iso-")
    )
    expect(stored.map((i) => i.pk).sort()).toEqual(["iso-1", "iso-2", "iso-3", "iso-4"])
  })

  test(
    "MAX_CONCURRENCY bounds every AWS request of the invocation together: writes, reads, sends and DLQ sends",
    async () => {
      // A slow fake AWS: both services behind proxies that add 25 ms and count what is in flight together.
      const inFlight = { now: 0, peak: 0 }
      const dynamodb = startAwsProxy({ target: stack.endpoints.dynamodb, latencyMs: 25, inFlight })
      const sqs = startAwsProxy({ target: stack.endpoints.sqs, latencyMs: 25, inFlight })
      const restore = functionThrough({ dynamodb, sqs })
      const bounded = makeHandler(
        liveLayer(appConfigOf(stack, 3), "None")
      )
      try {
        // 100 adds (4 writes), 60 reads (1 get, 6 sends), 30 poison messages (3 DLQ sends) in one invocation.
        const adds = Array.from(
          { length: 100 },
          (_, i) => sqsRecord(JSON.stringify({ name: `bound-${i}`, price: i }), { messageId: `bound-${i}` })
        )
        const reads = Array.from(
          { length: 60 },
          (_, i) => sqsRecord(JSON.stringify({ pk: `bound-read-${i}` }), { messageId: `bound-get-${i}` })
        )
        const poison = Array.from(
          { length: 30 },
          (_, i) => sqsRecord(`{"price":${i}}`, { messageId: `bound-bad-${i}` })
        )
        const result = await bounded.handler(sqsEvent(...adds, ...reads, ...poison), invocationContext())
        expect(result.batchItemFailures).toEqual([])
        expect(dynamodb.total() + sqs.total()).toBe(14)
        // Reached (so the count works) and never exceeded.
        expect(inFlight.peak).toBe(3)
      } finally {
        restore()
        await bounded.dispose()
        await Promise.all([dynamodb.stop(), sqs.stop()])
        await drainQueue(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
        await drainQueue(stack.endpoints.sqs, stack.deadLetterQueueUrl, { remove: true })
      }
    },
    20_000
  )

  test("a FIFO output queue fed from a standard input queue: group and deduplication ids SQS accepts, whatever the pk", async () => {
    const sqsClient = new SQSClient({ ...localClientConfig(stack.endpoints.sqs), useQueueUrlAsEndpoint: false })
    const { QueueUrl } = await sqsClient.send(
      new CreateQueueCommand({ QueueName: `${stack.tableName}-answers.fifo`, Attributes: { FifoQueue: "true" } })
    )
    const fifo = makeHandler(
      liveLayer({ ...appConfigOf(stack, 4), outputQueueUrl: QueueUrl! }, "None")
    )
    try {
      // Not SQS's character set, over 128 characters, and a plain id: read twice, so one group.
      const pks = ["a pk with spaces and €", "k".repeat(300), "plain-id", "plain-id"]
      const reads = pks.map((pk, i) => sqsRecord(JSON.stringify({ pk }), { messageId: `fifo-read-${i}` }))
      expect((await fifo.handler(sqsEvent(...reads), invocationContext())).batchItemFailures).toEqual([])
      const answers = []
      for (let polls = 0; answers.length < 4 && polls < 10; polls++) {
        const { Messages = [] } = await sqsClient.send(
          new ReceiveMessageCommand({
            QueueUrl,
            MaxNumberOfMessages: 10,
            AttributeNames: ["All"],
            MessageAttributeNames: ["All"]
          })
        )
        answers.push(...Messages)
        for (const m of Messages) {
          await sqsClient.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }))
        }
      }
      expect(answers).toHaveLength(4)
      const groups = answers.map((m) => m.Attributes?.MessageGroupId ?? "")
      expect(groups.every((g) => isFifoId(g))).toBe(true)
      const groupOf = new Map(
        answers.map((m) => [m.MessageAttributes?.correlationId?.StringValue, m.Attributes?.MessageGroupId])
      )
      expect(groupOf.get("fifo-read-2")).toBe("plain-id")
      expect(groupOf.get("fifo-read-3")).toBe("plain-id")
      expect(new Set(groups).size).toBe(3)
    } finally {
      sqsClient.destroy()
      await fifo.dispose()
    }
  })
})
