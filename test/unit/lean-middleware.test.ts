import { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { SQSClient } from "@aws-sdk/client-sqs"
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb"
import { afterEach, describe, expect, setSystemTime, test } from "bun:test"
import { transport } from "../../src/aws/clients.ts"
import { checkCrc32 } from "../../src/aws/crc32-check.ts"
import { leanMiddleware } from "../../src/aws/lean-middleware.ts"
import { cannedAwsServer, EXAMPLE_CREDENTIALS } from "../support/canned-aws-server.ts"
import { sampleSendMessageBatch } from "../support/sample-commands.ts"

const { endpoint, queueUrl, recordFixed } = cannedAwsServer()

const settings = {
  endpoint,
  region: "eu-west-1",
  credentials: EXAMPLE_CREDENTIALS,
  maxAttempts: 1,
  ...transport()
}

/** The clients as the function makes them, with or without the trimmed middleware. */
const clients = (lean: boolean) => {
  const trim = <C extends DynamoDBClient | SQSClient>(c: C) => (lean ? leanMiddleware(c) : c)
  const dynamo = trim(new DynamoDBClient(settings))
  checkCrc32(dynamo)
  return { dynamo: DynamoDBDocumentClient.from(dynamo), sqs: trim(new SQSClient(settings)) }
}

// What the function sends, each kind of request twice: the second is where a header reused could differ.
const sendAll = async ({ dynamo, sqs }: ReturnType<typeof clients>) => {
  const answers: Array<unknown> = []
  for (let i = 0; i < 2; i++) {
    answers.push(
      await dynamo.send(
        new BatchWriteCommand({
          RequestItems: { products: [{ PutRequest: { Item: { pk: `p${i}`, name: "Thé vert", price: 4.5 } } }] }
        })
      ),
      await dynamo.send(
        new BatchGetCommand({
          RequestItems: { products: { Keys: [{ pk: "p1" }, { pk: "p2" }], ConsistentRead: true } }
        })
      ),
      await sqs.send(sampleSendMessageBatch(queueUrl, i))
    )
  }
  return answers.map((a) => ({ ...(a as object), $metadata: undefined }))
}

/** Every request on the wire and every answer, at a fixed clock and invocation id, so that signatures compare. */
const recorded = (lean: boolean) => recordFixed(() => sendAll(clients(lean)))

afterEach(() => setSystemTime())

describe("the trimmed client middleware (leanMiddleware)", () => {
  test("sends byte for byte what the SDK sends: headers, user agent, SigV4 signature, body", async () => {
    const sdk = await recorded(false)
    const lean = await recorded(true)
    expect(sdk.wire).toHaveLength(6)
    expect(lean.wire).toEqual(sdk.wire)
    for (const request of lean.wire) {
      expect(request.headers["user-agent"]).toContain("aws-sdk-js/")
      expect(request.headers["x-amz-user-agent"]).toContain("aws-sdk-js/")
      expect(request.headers.authorization).toStartWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/eu-west-1/")
      // Every request signed on the fixed clock (else the compare above holds only within one real second).
      expect(request.headers["x-amz-date"]).toBe("20261127T120000Z")
    }
    expect(lean.answers).toEqual(sdk.answers)
  })

  test("the user agent is the SDK's for each command: the document client's feature stays in DynamoDB's", async () => {
    const { wire } = await recorded(true)
    const userAgents = wire.map((r) => r.headers["user-agent"]!)
    expect(userAgents[0]).toBe(userAgents[3]!)
    expect(userAgents[2]).toBe(userAgents[5]!)
    expect(userAgents[0]).not.toBe(userAgents[2]!)
    // m/<features>: the document client's DDB_MAPPER is "d".
    expect(userAgents[0]).toMatch(/ m\/[^ ]*d/)
  })

  test("the logger middleware is gone, the user agent is replaced, the rest of the stack is the SDK's", () => {
    const sdk = new DynamoDBClient(settings).middlewareStack.identify()
    const lean = leanMiddleware(new DynamoDBClient(settings)).middlewareStack.identify()
    expect(sdk.filter((m) => !lean.includes(m))).toEqual(["loggerMiddleware - initialize"])
    expect(lean.filter((m) => !sdk.includes(m))).toEqual([])
  })
})
