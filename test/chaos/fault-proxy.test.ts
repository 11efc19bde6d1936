import { BatchWriteItemCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs"
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { Layer } from "effect"
import { drainQueue, scanAll } from "../../local/aws/inspect.ts"
import { localClientConfig } from "../../local/aws/local-clients.ts"
import { appConfigOf, type LocalStack, startLocalStack } from "../../local/aws/local-stack.ts"
import { startAwsProxy } from "../../local/proxy/aws-proxy.ts"
import { faultInjector } from "../../local/proxy/faults.ts"
import { liveLayer } from "../../src/app/live-layer.ts"
import { makeHandler } from "../../src/app/make-handler.ts"
import { classifyAwsError } from "../../src/aws/aws-error.ts"
import { RetryPolicy } from "../../src/aws/batch-call.ts"
import { transport } from "../../src/aws/clients.ts"
import { invocationContext, sqsEvent, sqsRecord } from "../support/records.ts"

let stack: LocalStack
const saved = { ...process.env }
beforeAll(async () => {
  stack = await startLocalStack({ prefix: `faults-${process.pid}` })
  Object.assign(process.env, stack.functionEnv)
})
afterAll(async () => {
  process.env = saved
  await stack.close()
})

const always = () => 0 // random() below every rate: the fault always fires

describe("fault-injecting proxy", () => {
  test("AWS error bodies parse in the SDK as the real errors, and classify as transient", async () => {
    for (
      const [service, target, call] of [
        [
          "dynamodb",
          stack.endpoints.dynamodb,
          (url: string) =>
            new DynamoDBClient({ ...localClientConfig(url), maxAttempts: 1, ...transport() }).send(
              new DescribeTableCommand({ TableName: stack.tableName })
            )
        ],
        [
          "sqs",
          stack.endpoints.sqs,
          (url: string) =>
            new SQSClient({ ...localClientConfig(url), maxAttempts: 1, ...transport(), useQueueUrlAsEndpoint: false })
              .send(
                new SendMessageBatchCommand({
                  QueueUrl: stack.outputQueueUrl,
                  Entries: [{ Id: "0", MessageBody: "x" }]
                })
              )
        ]
      ] as const
    ) {
      const names = new Set<string>()
      for (let i = 0; i < 5; i++) {
        const pick = i / 5 + 0.01
        let n = 0
        const proxy = startAwsProxy({
          target,
          intercept:
            faultInjector({ service, default: { errorRate: 1 }, random: () => (n++ === 0 ? 0 : pick) }).interceptor
        })
        const error = await call(proxy.url).then(() => undefined, (e: unknown) => e)
        await proxy.stop()
        expect(error, service).toBeDefined()
        names.add((error as Error).name)
        expect(classifyAwsError("Op", error)._tag, `${service} ${(error as Error).name}`).toBe("AwsTransientError")
      }
      // SQS's JSON protocol names errors by the query-compatible code of x-amzn-query-error.
      expect([...names].sort()).toEqual(
        service === "dynamodb"
          ? [
            "InternalServerError",
            "ProvisionedThroughputExceededException",
            "RequestLimitExceeded",
            "ServiceUnavailable",
            "ThrottlingException"
          ]
          : [
            "AWS.SimpleQueueService.InternalError",
            "AWS.SimpleQueueService.RequestThrottled",
            "AWS.SimpleQueueService.ServiceUnavailable",
            "AWS.SimpleQueueService.Throttling"
          ]
      )
    }
  })

  test("a connection reset or refusal reaches the SDK as a transient network error, on both transports", async () => {
    const proxy = startAwsProxy({
      target: stack.endpoints.dynamodb,
      intercept: faultInjector({ service: "dynamodb", default: { resetRate: 1 }, random: always }).interceptor
    })
    const closed = startAwsProxy({ target: stack.endpoints.dynamodb })
    const closedUrl = closed.url
    await closed.stop()
    // The function's fetch transport, and the SDK's default node:http one (used by local tooling).
    for (const chosen of [transport(), {}]) {
      const describe = (url: string) =>
        new DynamoDBClient({ ...localClientConfig(url), maxAttempts: 1, ...chosen }).send(
          new DescribeTableCommand({ TableName: stack.tableName })
        ).catch((e: unknown) => e)
      expect(classifyAwsError("DescribeTable", await describe(proxy.url))).toMatchObject({
        _tag: "AwsTransientError",
        code: "ECONNRESET"
      })
      expect(classifyAwsError("DescribeTable", await describe(closedUrl))).toMatchObject({
        _tag: "AwsTransientError",
        code: "ECONNREFUSED"
      })
    }
    await proxy.stop()
  })

  test("partial batches: UnprocessedItems and Failed entries come back for what was held", async () => {
    let n = 0
    const proxy = startAwsProxy({
      target: stack.endpoints.dynamodb,
      intercept:
        faultInjector({ service: "dynamodb", default: { partialRate: 1 }, random: () => (n++ % 2 === 0 ? 0 : 0.5) })
          .interceptor
    })
    const items = Array.from(
      { length: 4 },
      (_, i) => ({ PutRequest: { Item: { pk: { S: `partial-${i}` }, name: { S: "x" }, price: { N: "1" } } } })
    )
    const answer = await new DynamoDBClient({ ...localClientConfig(proxy.url), maxAttempts: 1, ...transport() }).send(
      new BatchWriteItemCommand({ RequestItems: { [stack.tableName]: items } })
    )
    await proxy.stop()
    expect(answer.UnprocessedItems?.[stack.tableName]).toHaveLength(2)
    const stored = (await scanAll(stack.endpoints.dynamodb, stack.tableName)).filter((p) =>
      String(p.pk).startsWith("partial-")
    )
    expect(stored).toHaveLength(2)
  })

  test("the handler rides out 30% faults on every call: nothing fails, nothing is written twice", async () => {
    const dynamodb = startAwsProxy({
      target: stack.endpoints.dynamodb,
      intercept: faultInjector({ service: "dynamodb", default: { errorRate: 0.1, resetRate: 0.1, partialRate: 0.1 } })
        .interceptor
    })
    const sqs = startAwsProxy({
      target: stack.endpoints.sqs,
      intercept:
        faultInjector({ service: "sqs", default: { errorRate: 0.1, resetRate: 0.1, partialRate: 0.1 } }).interceptor
    })
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.url
    process.env.AWS_ENDPOINT_URL_SQS = sqs.url
    const app = makeHandler(Layer.mergeAll(
      liveLayer(appConfigOf(stack, 8), "None"),
      Layer.succeed(RetryPolicy, { maxAttempts: 10, baseDelayMs: 2, maxDelayMs: 20, attemptTimeoutMs: 2_000 })
    ))
    try {
      const adds = Array.from(
        { length: 200 },
        (_, i) => sqsRecord(JSON.stringify({ name: `rides ${i}`, price: i }), { messageId: `rides-${i}` })
      )
      const reads = adds.map((a, i) => sqsRecord(JSON.stringify({ pk: a.messageId }), { messageId: `rides-read-${i}` }))
      expect((await app.handler(sqsEvent(...adds), invocationContext())).batchItemFailures).toEqual([])
      expect((await app.handler(sqsEvent(...reads), invocationContext())).batchItemFailures).toEqual([])
      const products = (await scanAll(stack.endpoints.dynamodb, stack.tableName)).filter((p) =>
        String(p.pk).startsWith("rides-")
      )
      expect(products).toHaveLength(200)
      const output = await drainQueue(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
      const answered = new Set(output.map((m) => m.MessageAttributes?.correlationId?.StringValue))
      expect(answered.size).toBe(200)
      // Copies only where a reset hid a send that had happened: the caller had to resend.
      expect(output.length).toBeGreaterThanOrEqual(200)
    } finally {
      await app.dispose()
      process.env.AWS_ENDPOINT_URL_DYNAMODB = stack.endpoints.dynamodb
      process.env.AWS_ENDPOINT_URL_SQS = stack.endpoints.sqs
      await dynamodb.stop()
      await sqs.stop()
    }
  }, 60_000)
})
