import { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs"
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb"
import { md5OfMessageAttributes } from "aws-md5-of-message-attributes"
import { afterAll, describe, expect, test } from "bun:test"
import { answerDelayMs, attributesMd5, startCannedAws } from "../../bench/canned-aws.ts"
import { transport } from "../../src/aws/clients.ts"
import { checkCrc32 } from "../../src/aws/crc32-check.ts"

const server = startCannedAws()
afterAll(() => server.stop(true))
const settings = {
  endpoint: server.url.href.replace(/\/$/, ""),
  region: "us-east-1",
  credentials: { accessKeyId: "x", secretAccessKey: "y" },
  maxAttempts: 1,
  ...transport()
}

describe("bench/canned-aws.ts: the hot-path bench's AWS", () => {
  // ASCII only: that package counts a string's length in UTF-16 units, where SQS counts UTF-8 bytes.
  test("the MD5 of message attributes is SQS's (as local-aws-sqs's md5OfMessageAttributes computes it)", () => {
    const attributes = {
      outcome: { DataType: "String", StringValue: "found" },
      correlationId: { DataType: "String", StringValue: "4e1c2c8a-0c4f-4a3e-9f6e-6f1d5d3f7a10" },
      count: { DataType: "Number", StringValue: "12" },
      blob: { DataType: "Binary", BinaryValue: Buffer.from([0, 1, 2, 255]).toString("base64") }
    }
    expect(attributesMd5(attributes)).toBe(md5OfMessageAttributes(attributes as never))
  })

  test("the function's clients accept its answers: x-amz-crc32 and the SQS MD5 checks pass, every key found", async () => {
    const dynamo = new DynamoDBClient(settings)
    checkCrc32(dynamo)
    const documents = DynamoDBDocumentClient.from(dynamo)
    const written = await documents.send(
      new BatchWriteCommand({ RequestItems: { t: [{ PutRequest: { Item: { pk: "a", name: "n", price: 1 } } }] } })
    )
    expect(written.UnprocessedItems).toEqual({})
    const read = await documents.send(
      new BatchGetCommand({ RequestItems: { t: { Keys: [{ pk: "a" }, { pk: "b" }] } } })
    )
    expect(read.Responses?.t?.map((item) => item.pk)).toEqual(["a", "b"])
    const sent = await new SQSClient(settings).send(
      new SendMessageBatchCommand({
        QueueUrl: `${settings.endpoint}/000000000000/q`,
        Entries: [{ Id: "0", MessageBody: "{}", MessageAttributes: { o: { DataType: "String", StringValue: "x" } } }]
      })
    )
    expect(sent.Successful?.map((s) => s.Id)).toEqual(["0"])
  })

  test("CANNED_AWS_DELAY_MS holds every answer that long; unset is 0, a bad value is refused", async () => {
    expect(answerDelayMs(undefined)).toBe(0)
    expect(answerDelayMs("4")).toBe(4)
    expect(() => answerDelayMs("-1")).toThrow(/CANNED_AWS_DELAY_MS/)
    expect(() => answerDelayMs("soon")).toThrow(/CANNED_AWS_DELAY_MS/)
    const held = startCannedAws(0, 40)
    try {
      const started = performance.now()
      const answer = await fetch(held.url, {
        method: "POST",
        headers: { "x-amz-target": "DynamoDB_20120810.BatchWriteItem" },
        body: JSON.stringify({ RequestItems: {} })
      })
      expect(answer.status).toBe(200)
      expect(performance.now() - started).toBeGreaterThanOrEqual(39)
    } finally {
      held.stop(true)
    }
  })
})
