import { BatchGetItemCommand, BatchWriteItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { SQSClient } from "@aws-sdk/client-sqs"
import { describe, expect, test } from "bun:test"
import { cacheHandlers, sendAborting } from "../../src/aws/cached-handlers.ts"
import { transport } from "../../src/aws/clients.ts"
import { checkCrc32 } from "../../src/aws/crc32-check.ts"
import { leanMiddleware } from "../../src/aws/lean-middleware.ts"
import { configForCommands, plainConfig } from "../../src/aws/plain-config.ts"
import { cannedAwsServer, EXAMPLE_CREDENTIALS } from "../support/canned-aws-server.ts"
import { sampleSendMessageBatch } from "../support/sample-commands.ts"

const { endpoint, queueUrl, recordFixed } = cannedAwsServer()

const settings = { endpoint, region: "eu-west-1", credentials: EXAMPLE_CREDENTIALS, maxAttempts: 1, ...transport() }

/** The clients as the function makes them, with or without the plain copy of their config. */
const clients = (plain: boolean) => {
  const finish = <C extends DynamoDBClient | SQSClient>(c: C) => (plain ? plainConfig(c) : c)
  const dynamo = cacheHandlers(leanMiddleware(new DynamoDBClient(settings)))
  checkCrc32(dynamo)
  return { dynamo: finish(dynamo), sqs: finish(cacheHandlers(leanMiddleware(new SQSClient(settings)))) }
}

// Each kind of request the function makes, twice (the second through the reused signer and cached handler).
const sendAll = async ({ dynamo, sqs }: ReturnType<typeof clients>) => {
  const signal = new AbortController().signal
  const answers: Array<unknown> = []
  for (let i = 0; i < 2; i++) {
    const Item = { pk: { S: `p${i}` }, name: { S: "Thé vert" }, price: { N: "4.5" } }
    answers.push(
      await sendAborting(
        dynamo,
        new BatchWriteItemCommand({ RequestItems: { t: [{ PutRequest: { Item } }] } }),
        signal
      ),
      await sendAborting(
        dynamo,
        new BatchGetItemCommand({ RequestItems: { t: { Keys: [{ pk: { S: "p1" } }], ConsistentRead: true } } }),
        signal
      ),
      await sendAborting(sqs, sampleSendMessageBatch(queueUrl, i), signal)
    )
  }
  return answers.map((a) => ({ ...(a as object), $metadata: undefined }))
}

describe("plainConfig", () => {
  test("the same requests on the wire, signatures included, and the same answers", async () => {
    const sdk = await recordFixed(() => sendAll(clients(false)))
    const plain = await recordFixed(() => sendAll(clients(true)))
    expect(plain.wire).toHaveLength(6)
    expect(plain.wire).toEqual(sdk.wire)
    expect(plain.answers).toEqual(sdk.answers)
  })

  test("the commands' middleware gets a plain copy: the same values, no accessor", () => {
    const client = plainConfig(new DynamoDBClient(settings))
    const copy = configForCommands(client) as Record<string, unknown>
    expect(copy).not.toBe(client.config)
    expect(copy).toEqual({ ...client.config } as never)
    const accessors = (o: object) => Object.values(Object.getOwnPropertyDescriptors(o)).filter((d) => d.get).length
    expect(accessors(client.config)).toBe(1) // the SDK's credentials, left as it is on the client's config
    expect(accessors(copy)).toBe(0)
    expect(configForCommands(new DynamoDBClient(settings))).toBeInstanceOf(Object)
  })

  test("one signer per auth scheme, made again after a failed making", async () => {
    const client = new DynamoDBClient(settings)
    let made = 0
    let fail = true
    const config = client.config as unknown as { signer: (scheme?: unknown) => Promise<unknown> }
    config.signer = async (scheme) => {
      made++
      if (fail) throw new Error("no region yet")
      return { scheme }
    }
    plainConfig(client)
    const scheme = { name: "sigv4", signingName: "dynamodb", signingRegion: "eu-west-1" }
    await expect(config.signer(scheme)).rejects.toThrow("no region yet")
    fail = false
    const first = await config.signer(scheme)
    expect(await config.signer({ ...scheme })).toBe(first)
    expect(await config.signer({ ...scheme, signingRegion: "us-east-1" })).not.toBe(first)
    expect(made).toBe(3)
  })
})
