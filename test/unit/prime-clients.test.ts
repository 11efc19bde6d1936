import { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { SQSClient } from "@aws-sdk/client-sqs"
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb"
import { describe, expect, test } from "bun:test"
import { Effect, Layer } from "effect"
import { DynamoDocumentClient, SqsClient } from "../../src/aws/clients.ts"
import { primeAwsClients } from "../../src/aws/prime-clients.ts"
import { AppConfig } from "../../src/config.ts"

// A transport that records what reaches it: priming must reach none of it.
const recordingTransport = (seen: Array<string>) => ({
  handle: async (request: { hostname: string; headers: Record<string, string> }) => {
    seen.push(request.headers["x-amz-target"] ?? request.hostname)
    return { response: { statusCode: 500, headers: {}, body: new Uint8Array() } }
  }
})

const clients = (seen: Array<string>, credentials = { accessKeyId: "test", secretAccessKey: "test" }) => {
  const common = { region: "eu-west-1", credentials, maxAttempts: 1, requestHandler: recordingTransport(seen) as never }
  return Layer.mergeAll(
    Layer.succeed(DynamoDocumentClient, DynamoDBDocumentClient.from(new DynamoDBClient(common))),
    Layer.succeed(SqsClient, new SQSClient(common)),
    Layer.succeed(AppConfig, {
      tableName: "products",
      outputQueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/out",
      deadLetterQueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq",
      maxConcurrency: 4,
      awsHttpClient: "socket"
    })
  )
}

describe("priming the AWS clients at init", () => {
  test("runs each request the function makes through the whole middleware stack, and sends none", async () => {
    const seen: Array<string> = []
    const stopped = await Effect.runPromise(primeAwsClients.pipe(Effect.provide(clients(seen))))
    expect(stopped).toBe(3)
    expect(seen).toEqual([])
  })

  test("never fails init, even when a request cannot be prepared (here: no credentials)", async () => {
    const seen: Array<string> = []
    const failing = async () => {
      throw new Error("no credentials")
    }
    const stopped = await Effect.runPromise(primeAwsClients.pipe(Effect.provide(clients(seen, failing as never))))
    expect(stopped).toBe(0)
    expect(seen).toEqual([])
  })
})
