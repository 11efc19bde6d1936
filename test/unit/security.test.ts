import { describe, expect, test } from "bun:test"
import { Layer } from "effect"
import { createHash } from "node:crypto"
import { AwsTransientError } from "../../src/domain/errors.ts"
import { fifoId, isFifoId } from "../../src/domain/fifo-id.ts"
import { SQS_MESSAGE_MAX_BYTES, sqsMessageBytes } from "../../src/domain/limits.ts"
import { isSqsSafe } from "../../src/domain/sqs-text.ts"
import { LambdaLoggerLayer } from "../../src/log/lambda-logger.ts"
import {
  deadLetterMessage,
  lookupResult,
  MAX_ERROR_MESSAGE_LENGTH,
  outputMessage
} from "../../src/products/messages.ts"
import { memoryAppPerTest } from "../support/memory-app.ts"
import { invocationContext, sqsEvent, sqsRecord } from "../support/records.ts"

const memoryApp = memoryAppPerTest()

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

describe("security", () => {
  test("logs above DEBUG carry no message body and no credentials, even when records fail", async () => {
    const saved = process.env.AWS_SECRET_ACCESS_KEY
    process.env.AWS_SECRET_ACCESS_KEY = SECRET
    const throttled = new AwsTransientError({
      operation: "BatchWriteItem",
      code: "ThrottlingException",
      message: "Rate exceeded"
    })
    const app = memoryApp({ productFault: (_op, pk) => (pk === "fails" ? throttled : undefined) })
    await app.handler(
      sqsEvent(
        sqsRecord(`{"name":"body-secret-1","price":1}`),
        sqsRecord(`{"name":"body-secret-2","price":2}`, { messageId: "fails" }),
        sqsRecord(`{"pk":"body-secret-3"}`),
        sqsRecord(`{"card":"body-secret-4"}`)
      ),
      invocationContext()
    )
    process.env.AWS_SECRET_ACCESS_KEY = saved
    const text = JSON.stringify(app.logs)
    expect(text).not.toContain("body-secret")
    expect(text).not.toContain(SECRET)
    // The failure is still visible, by id and error code.
    expect(app.logs.find((l) => l.message === "records handed back to SQS")).toMatchObject({
      level: "WARN",
      failed: 1,
      sample: [{ messageId: "fails", error: "AwsTransientError:BatchWriteItem:ThrottlingException" }]
    })
  })

  test("at DEBUG the rejected body may be logged (and only there)", async () => {
    const debugLogs: Array<Record<string, unknown>> = []
    const app = memoryApp({
      extra: LambdaLoggerLayer("Debug", (l) => void debugLogs.push(JSON.parse(l))) as Layer.Layer<never>
    })
    await app.handler(sqsEvent(sqsRecord(`{"card":"debug-visible"}`)), invocationContext())
    const withBody = debugLogs.filter((l) => JSON.stringify(l).includes("debug-visible"))
    expect(withBody.length).toBeGreaterThan(0)
    expect(withBody.every((l) => l.level === "DEBUG")).toBe(true)
  })

  test("a body cannot set attributes, forge the correlation id or pick the queue", async () => {
    const app = memoryApp()
    const forged =
      `{"pk":"p","QueueUrl":"https://evil.example/q","MessageAttributes":{"outcome":{"StringValue":"found"}},"outcome":"found","correlationId":"forged","MessageGroupId":"g"}`
    const poison = `{"errorType":"Nothing","sourceMessageId":"forged","errorMessage":"all good"}`
    await app.handler(
      sqsEvent(sqsRecord(forged, { messageId: "real-read" }), sqsRecord(poison, { messageId: "real-poison" })),
      invocationContext()
    )
    expect(app.output).toHaveLength(1)
    expect(app.output[0]!.attributes).toEqual({ outcome: "not_found", correlationId: "real-read" })
    expect(JSON.parse(app.output[0]!.body)).toEqual({ pk: "p", error: "ProductNotFound" })
    expect(app.deadLetter).toHaveLength(1)
    expect(app.deadLetter[0]!.attributes.errorType).toBe("InvalidMessage")
    expect(app.deadLetter[0]!.attributes.sourceMessageId).toBe("real-poison")
  })

  test("output and DLQ attributes are a fixed set with bounded values", () => {
    const record = { messageId: "m".repeat(100), body: "x".repeat(100_000) }
    const dead = deadLetterMessage(record, "InvalidMessage", `${"r".repeat(10_000)}\u{1F600}`)
    expect(Object.keys(dead.attributes).sort()).toEqual(["errorMessage", "errorType", "sourceMessageId"])
    expect(dead.attributes.errorMessage!.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_LENGTH)
    expect(dead.attributes.errorMessage!.isWellFormed()).toBe(true)
    const cut = deadLetterMessage(record, "InvalidMessage", `${"r".repeat(MAX_ERROR_MESSAGE_LENGTH - 2)}\u{1F600}tail`)
      .attributes.errorMessage!
    expect(cut.isWellFormed()).toBe(true)
    const out = outputMessage(record, lookupResult("p", undefined))
    expect(Object.keys(out.attributes).sort()).toEqual(["correlationId", "outcome"])
    const attributeBytes = (a: Record<string, string>) =>
      Object.entries(a).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0)
    expect(attributeBytes(dead.attributes)).toBeLessThan(2_048)
    expect(attributeBytes(out.attributes)).toBeLessThan(2_048)
  })

  test("a DLQ message always fits SQS: a 1 MiB body is cut, forbidden characters replaced, and the attributes say so", () => {
    const record = { messageId: "m-1", body: `{"name":"${"x".repeat(SQS_MESSAGE_MAX_BYTES - 20)}"}` }
    const big = deadLetterMessage(record, "InvalidMessage", "name too long")
    expect(sqsMessageBytes(big)).toBeLessThanOrEqual(SQS_MESSAGE_MAX_BYTES)
    expect(big.attributes).toMatchObject({
      bodyAltered: "truncated",
      originalBodyBytes: String(record.body.length),
      errorMessage: "name too long"
    })
    expect(record.body.startsWith(big.body)).toBe(true)
    const odd = deadLetterMessage({ messageId: "m-2", body: "a\u0000b\ud800c" }, "InvalidMessage", "bad \u0001")
    expect(odd.body).toBe("a\uFFFDb\uFFFDc")
    expect(odd.attributes).toMatchObject({ bodyAltered: "sanitised", errorMessage: "bad \uFFFD" })
    expect(isSqsSafe(odd.body) && Object.values(odd.attributes).every(isSqsSafe)).toBe(true)
    const fine = deadLetterMessage({ messageId: "m-3", body: "{}" }, "InvalidMessage", "empty object")
    expect(fine.body).toBe("{}")
    expect(fine.attributes.bodyAltered).toBeUndefined()
  })

  test("FIFO ids: valid ids are kept; anything else becomes a hash SQS accepts, the same for the same text", () => {
    for (const id of ["plain-id", "a!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~z", "x".repeat(128)]) expect(fifoId(id)).toBe(id)
    for (const id of ["", "with space", "€", "x".repeat(129), "tab\t", "\u{1F600}"]) {
      expect(isFifoId(id)).toBe(false)
      expect(isFifoId(fifoId(id))).toBe(true)
      expect(fifoId(id)).toBe(fifoId(id))
    }
    expect(fifoId("€")).not.toBe(fifoId("€€"))
    expect(fifoId("€ \u{1F600}")).toBe(`sha256-${createHash("sha256").update("€ \u{1F600}", "utf8").digest("hex")}`)
    // A read from a standard queue: grouped by product id, made valid.
    const answer = outputMessage({ messageId: "m 1", body: "" }, lookupResult("€ pk", undefined))
    expect(isFifoId(answer.groupId!) && isFifoId(answer.deduplicationId!)).toBe(true)
    expect(answer.groupId).toBe(fifoId("€ pk"))
    // From a FIFO queue the source's group is kept.
    expect(outputMessage({ messageId: "m-2", body: "", groupId: "g-1" }, lookupResult("€ pk", undefined)).groupId).toBe(
      "g-1"
    )
  })
})
