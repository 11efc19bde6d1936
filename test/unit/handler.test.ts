import { describe, expect, test } from "bun:test"
import { AwsItemRejected, AwsPermanentError, AwsTransientError } from "../../src/domain/errors.ts"
import { memoryAppPerTest } from "../support/memory-app.ts"
import { invocationContext, sqsEvent, sqsRecord } from "../support/records.ts"

const memoryApp = memoryAppPerTest()

const throttled = new AwsTransientError({
  operation: "BatchWriteItem",
  code: "ProvisionedThroughputExceededException",
  message: "slow down"
})
const denied = new AwsPermanentError({ operation: "BatchWriteItem", code: "AccessDeniedException", message: "no" })

describe("handler on in-memory services", () => {
  test("an add stores the product keyed by messageId, createdAt from SentTimestamp", async () => {
    const app = memoryApp()
    const result = await app.handler(
      sqsEvent(sqsRecord(`{"name":"Widget","price":9.99}`, { messageId: "m-1", sentTimestamp: 1_700_000_000_000 })),
      invocationContext()
    )
    expect(result).toEqual({ batchItemFailures: [] })
    expect(app.items.get("m-1")).toEqual({
      pk: "m-1",
      name: "Widget",
      price: 9.99,
      createdAt: "2023-11-14T22:13:20.000Z"
    })
  })

  test("a redelivered add writes the same item again and creates no second product", async () => {
    const app = memoryApp()
    const record = sqsRecord(`{"name":"Widget","price":1}`, { messageId: "m-dup" })
    await app.handler(sqsEvent(record), invocationContext())
    const first = structuredClone(app.items.get("m-dup"))
    await app.handler(
      sqsEvent({ ...record, attributes: { ...record.attributes, ApproximateReceiveCount: "2" } }),
      invocationContext()
    )
    expect(app.items.size).toBe(1)
    expect(app.items.get("m-dup")).toEqual(first!)
  })

  test("a read of an existing product sends it with outcome=found and the correlation id", async () => {
    const app = memoryApp()
    await app.handler(sqsEvent(sqsRecord(`{"name":"Lamp","price":20}`, { messageId: "p-1" })), invocationContext())
    await app.handler(sqsEvent(sqsRecord(`{"pk":"p-1"}`, { messageId: "r-1" })), invocationContext())
    expect(app.output).toHaveLength(1)
    expect(JSON.parse(app.output[0]!.body)).toEqual({
      pk: "p-1",
      name: "Lamp",
      price: 20,
      createdAt: "2023-11-14T22:13:20.000Z"
    })
    expect(app.output[0]!.attributes).toEqual({ outcome: "found", correlationId: "r-1" })
  })

  test("a read of a missing product sends a ProductNotFound answer", async () => {
    const app = memoryApp()
    await app.handler(sqsEvent(sqsRecord(`{"pk":"nope"}`, { messageId: "r-2" })), invocationContext())
    expect(JSON.parse(app.output[0]!.body)).toEqual({ pk: "nope", error: "ProductNotFound" })
    expect(app.output[0]!.attributes).toEqual({ outcome: "not_found", correlationId: "r-2" })
  })

  test("a poison message goes to the DLQ with its reason and is acknowledged", async () => {
    const app = memoryApp()
    const result = await app.handler(
      sqsEvent(sqsRecord(`{"name":"x","price":-1}`, { messageId: "bad-1" })),
      invocationContext()
    )
    expect(result.batchItemFailures).toEqual([])
    expect(app.deadLetter).toHaveLength(1)
    expect(app.deadLetter[0]!.body).toBe(`{"name":"x","price":-1}`)
    expect(app.deadLetter[0]!.attributes.errorType).toBe("InvalidMessage")
    expect(app.deadLetter[0]!.attributes.errorMessage).toContain("greater than or equal to 0")
    expect(app.deadLetter[0]!.attributes.sourceMessageId).toBe("bad-1")
  })

  test("a poison message whose DLQ send fails is reported failed, so it is not lost", async () => {
    const app = memoryApp({ deadLetterFault: () => throttled })
    const result = await app.handler(sqsEvent(sqsRecord("oops", { messageId: "bad-2" })), invocationContext())
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "bad-2" }])
  })

  test("only the records that failed are reported; transient and permanent AWS errors alike", async () => {
    const app = memoryApp({
      productFault: (
        op,
        pk
      ) => (op === "put" && pk === "a-2" ? throttled : op === "put" && pk === "a-3" ? denied : undefined)
    })
    const result = await app.handler(
      sqsEvent(
        sqsRecord(`{"name":"one","price":1}`, { messageId: "a-1" }),
        sqsRecord(`{"name":"two","price":2}`, { messageId: "a-2" }),
        sqsRecord(`{"name":"three","price":3}`, { messageId: "a-3" }),
        sqsRecord(`not json`, { messageId: "a-4" })
      ),
      invocationContext()
    )
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "a-2" }, { itemIdentifier: "a-3" }])
    expect([...app.items.keys()]).toEqual(["a-1"])
  })

  test("a failed output send fails only that read", async () => {
    const app = memoryApp({ outputFault: (m) => (m.attributes.correlationId === "r-b" ? throttled : undefined) })
    const result = await app.handler(
      sqsEvent(sqsRecord(`{"pk":"x"}`, { messageId: "r-a" }), sqsRecord(`{"pk":"y"}`, { messageId: "r-b" })),
      invocationContext()
    )
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "r-b" }])
    expect(app.output.map((m) => m.attributes.correlationId)).toEqual(["r-a"])
  })

  test("an event that is not an SQS event fails the invocation with a clear error", async () => {
    const app = memoryApp()
    const attempt = app.handler({ foo: 1 } as never, invocationContext())
    await expect(attempt).rejects.toThrow(/not an SQS event/)
    await expect(app.handler({ Records: [{ body: "x" }] } as never, invocationContext())).rejects.toThrow(/messageId/)
  })

  test("an empty batch succeeds with no failures", async () => {
    const app = memoryApp()
    expect(await app.handler(sqsEvent(), invocationContext())).toEqual({ batchItemFailures: [] })
  })

  test("a duplicated record in one batch is stored once and reported once", async () => {
    const app = memoryApp({ productFault: () => throttled })
    const record = sqsRecord(`{"name":"twice","price":1}`, { messageId: "same" })
    const result = await app.handler(sqsEvent(record, record), invocationContext())
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "same" }])
  })

  test("one summary line per invocation with counts; bodies are not logged at INFO", async () => {
    const app = memoryApp()
    await app.handler(
      sqsEvent(
        sqsRecord(`{"name":"secret-name","price":1}`),
        sqsRecord(`{"pk":"none"}`),
        sqsRecord(`{"secret":"body"}`)
      ),
      invocationContext(30_000, "req-42")
    )
    const summary = app.logs.filter((l) => l.message === "batch processed")
    expect(summary).toHaveLength(1)
    expect(summary[0]).toMatchObject({
      level: "INFO",
      requestId: "req-42",
      records: 3,
      added: 1,
      sent: 0,
      notFound: 1,
      invalid: 1,
      failed: 0,
      retried: 0
    })
    expect(typeof summary[0]!.durationMs).toBe("number")
    expect(typeof summary[0]!.timestamp).toBe("string")
    expect(JSON.stringify(app.logs)).not.toContain("secret")
  })

  test("a record whose item AWS refuses on its own is parked in the DLQ with AWS's reason; its neighbours are applied", async () => {
    const refused = new AwsItemRejected({
      operation: "BatchWriteItem",
      code: "ValidationException",
      message: "Number underflow"
    })
    const app = memoryApp({
      productFault: (operation, pk) => (operation === "put" && pk === "a-2" ? refused : undefined)
    })
    const records = [1, 2, 3].map((i) =>
      sqsRecord(JSON.stringify({ name: `n-${i}`, price: i }), { messageId: `a-${i}` })
    )
    const result = await app.handler(sqsEvent(...records), invocationContext())
    expect(result.batchItemFailures).toEqual([])
    expect([...app.items.keys()].sort()).toEqual(["a-1", "a-3"])
    expect(app.deadLetter).toHaveLength(1)
    expect(app.deadLetter[0]!.attributes).toMatchObject({
      errorType: "ItemRejected",
      errorMessage: "BatchWriteItem refused it: ValidationException: Number underflow",
      sourceMessageId: "a-2"
    })
  })

  test("an add whose messageId cannot be a product id (over 2,048 UTF-8 bytes) is parked, not written", async () => {
    const app = memoryApp()
    const long = "€".repeat(700)
    const result = await app.handler(
      sqsEvent(
        sqsRecord(`{"name":"a","price":1}`, { messageId: long }),
        sqsRecord(`{"name":"b","price":1}`, { messageId: "fine" })
      ),
      invocationContext()
    )
    expect(result.batchItemFailures).toEqual([])
    expect([...app.items.keys()]).toEqual(["fine"])
    expect(app.deadLetter[0]!.attributes.errorMessage).toContain("cannot be a product id")
  })
})
