import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb"
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs"
import { afterAll, describe, expect, test } from "bun:test"
import { createServer, type Server } from "node:net"
import { crc32 } from "node:zlib"
import { classifyAwsError, entryError, mayBlameItems } from "../../src/aws/aws-error.ts"
import { backoffMs } from "../../src/aws/batch-call.ts"
import { transport } from "../../src/aws/clients.ts"
import { checkCrc32 } from "../../src/aws/crc32-check.ts"

/**
 * What the function's SQS client (its SDK set-up and transport) rejects a one-entry SendMessageBatch with,
 * against a server answering `answer`.
 */
const sendBatchAgainst = async (answer: () => Response, body: string): Promise<unknown> => {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: answer })
  try {
    const client = new SQSClient({
      endpoint: `http://127.0.0.1:${server.port}`,
      region: "us-east-1",
      credentials: { accessKeyId: "x", secretAccessKey: "y" },
      maxAttempts: 1,
      ...transport()
    })
    const send = new SendMessageBatchCommand({
      QueueUrl: `http://127.0.0.1:${server.port}/000000000000/q`,
      Entries: [{ Id: "0", MessageBody: body }]
    })
    return await client.send(send).then(() => undefined, (e: unknown) => e)
  } finally {
    await server.stop(true)
  }
}

const sdkError = (name: string, status?: number, extra: object = {}) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
    ...extra
  })

describe("AWS error classification", () => {
  test.each([
    ["ProvisionedThroughputExceededException", 400],
    ["ThrottlingException", 400],
    ["RequestLimitExceeded", 400],
    ["InternalServerError", 500],
    ["ServiceUnavailable", 503],
    ["SomethingNew", 502],
    ["TooManyRequests", 429]
  ])("%s (%d) is transient", (name, status) => {
    expect(classifyAwsError("Op", sdkError(name, status))._tag).toBe("AwsTransientError")
  })

  test.each([
    ["ResourceNotFoundException", 400],
    ["AccessDeniedException", 400],
    ["ValidationException", 400],
    ["QueueDoesNotExist", 400]
  ])("%s (%d) is permanent", (name, status) => {
    expect(classifyAwsError("Op", sdkError(name, status))._tag).toBe("AwsPermanentError")
  })

  test("SQS query-compatible codes are recognised (regression: AWS.SimpleQueueService.Throttling was permanent)", () => {
    for (
      const name of [
        "AWS.SimpleQueueService.Throttling",
        "AWS.SimpleQueueService.RequestThrottled",
        "AWS.SimpleQueueService.ServiceUnavailable"
      ]
    ) {
      expect(classifyAwsError("SendMessageBatch", sdkError(name, 400))._tag).toBe("AwsTransientError")
    }
    expect(classifyAwsError("SendMessageBatch", sdkError("AWS.SimpleQueueService.NonExistentQueue", 400))._tag).toBe(
      "AwsPermanentError"
    )
  })

  test("socket errors are transient; the code and operation are kept", () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })
    expect(classifyAwsError("BatchWriteItem", reset)).toMatchObject({
      _tag: "AwsTransientError",
      operation: "BatchWriteItem",
      code: "ECONNRESET"
    })
    expect(classifyAwsError("Op", sdkError("TimeoutError"))._tag).toBe("AwsTransientError")
  })

  test("SQS Failed entries: SenderFault decides", () => {
    expect(entryError("Send", { Code: "InternalError", SenderFault: false })._tag).toBe("AwsTransientError")
    expect(entryError("Send", { Code: "InvalidParameterValue", SenderFault: true })._tag).toBe("AwsPermanentError")
  })

  test("backoff grows exponentially, is capped, and jitters within [ceiling/2, ceiling]", () => {
    const policy = { maxAttempts: 6, baseDelayMs: 25, maxDelayMs: 1_000, attemptTimeoutMs: 5_000 }
    expect(backoffMs(policy, 1, 0)).toBe(12.5)
    expect(backoffMs(policy, 1, 1)).toBe(25)
    expect(backoffMs(policy, 3, 1)).toBe(100)
    expect(backoffMs(policy, 10, 1)).toBe(1_000)
    expect(backoffMs(policy, 10, 0)).toBe(500)
  })
})

// Raw answers on a socket, as a broken network or a broken proxy delivers them.
const listTables = `{"TableNames":[]}`
const http = (head: string, body: string) => `HTTP/1.1 ${head}\r\n\r\n${body}`
const BROKEN_ANSWERS: Array<[string, string]> = [
  [
    "a body cut off before its content-length",
    http("200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 100", `{"TableNames":[`)
  ],
  [
    "a complete HTTP answer with a cut-off JSON body",
    http("200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 15", `{"TableNames":[`)
  ],
  ["a status line that is not HTTP", "HTTX/9 ??? nonsense\r\n\r\n"],
  [
    "transfer-encoding and content-length together",
    http(
      "200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 17",
      listTables
    )
  ],
  ["headers cut off", "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"],
  [
    "an x-amz-crc32 that does not match the body",
    http(
      `200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nx-amz-crc32: ${
        crc32(Buffer.from(listTables)) ^ 1
      }\r\nContent-Length: 17`,
      listTables
    )
  ]
]

const servers: Array<Server> = []
afterAll(() => servers.forEach((s) => s.close()))
const answering = async (text: string): Promise<string> => {
  const server = createServer((socket) => socket.once("data", () => socket.end(text))).listen(0, "127.0.0.1")
  servers.push(server)
  await new Promise((resolve) => server.once("listening", resolve))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

const listTablesVia = (endpoint: string, chosen: object) => {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "y" },
    maxAttempts: 1,
    ...chosen
  })
  checkCrc32(client)
  return client.send(new ListTablesCommand({})).then(() => undefined, (e: unknown) => e)
}

describe("a malformed, cut-off or damaged answer is a transient network failure", () => {
  test.each(BROKEN_ANSWERS)("%s, on the fetch and the node:http transport", async (_, text) => {
    const endpoint = await answering(text)
    for (const chosen of [transport(), {}]) {
      const error = await listTablesVia(endpoint, chosen)
      expect(error).toBeDefined()
      expect(classifyAwsError("ListTables", error)._tag).toBe("AwsTransientError")
    }
  })

  test("a correct x-amz-crc32 passes; the answer is read normally", async () => {
    const endpoint = await answering(
      http(
        `200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nx-amz-crc32: ${
          crc32(Buffer.from(listTables))
        }\r\nContent-Length: 17`,
        listTables
      )
    )
    for (const chosen of [transport(), {}]) expect(await listTablesVia(endpoint, chosen)).toBeUndefined()
  })

  test("what the client refuses to serialise, and a service's refusal, stay permanent", () => {
    expect(
      classifyAwsError("BatchWriteItem", new Error("Number 10000000000000000 is greater than Number.MAX_SAFE_INTEGER."))
        ._tag
    ).toBe("AwsPermanentError")
    expect(classifyAwsError("BatchWriteItem", new SyntaxError("Unexpected token"))._tag).toBe("AwsPermanentError")
    expect(classifyAwsError("BatchWriteItem", sdkError("ValidationException", 400))._tag).toBe("AwsPermanentError")
  })
})

describe("failures no item causes are never blamed on the items (no halving, no ItemRejected)", () => {
  test("no credentials to be had: the real default chain's error concerns the whole request", async () => {
    const keys = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"] as const
    const saved = Object.fromEntries(
      ["AWS_EC2_METADATA_DISABLED", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", ...keys]
        .map((k) => [k, process.env[k]])
    )
    for (const k of keys) delete process.env[k]
    Object.assign(process.env, {
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: "/nonexistent/config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials"
    })
    try {
      const client = new DynamoDBClient({ endpoint: "http://127.0.0.1:9", region: "us-east-1", maxAttempts: 1 })
      const error = await client.send(new ListTablesCommand({})).then(() => undefined, (e: unknown) => e)
      expect((error as Error).name).toBe("CredentialsProviderError")
      expect(mayBlameItems(classifyAwsError("BatchWriteItem", error))).toBe(false)
    } finally {
      for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v)
    }
  }, 15_000)

  test("SendMessageBatch's MD5 check failing (an answer damaged on the way) is transient", async () => {
    const answer = { Successful: [{ Id: "0", MessageId: "m-0", MD5OfMessageBody: "0".repeat(32) }], Failed: [] }
    const error = await sendBatchAgainst(() => Response.json(answer), "€ body")
    expect(String(error)).toContain("MD5")
    const classified = classifyAwsError("SendMessageBatch", error)
    expect(classified._tag).toBe("AwsTransientError")
    expect(mayBlameItems(classified)).toBe(false)
  })
})

describe("SQS's KMS throttling", () => {
  test("KmsThrottled (a queue's KMS key throttled) is transient, never an item's fault", async () => {
    const refusal = JSON.stringify({ __type: "com.amazonaws.sqs#KmsThrottled", message: "Rate exceeded" })
    const headers = {
      "content-type": "application/x-amz-json-1.0",
      "x-amzn-query-error": "KMS.ThrottlingException;Sender"
    }
    const error = await sendBatchAgainst(() => new Response(refusal, { status: 400, headers }), "body")
    expect((error as Error).name).toBe("KmsThrottled")
    expect(classifyAwsError("SendMessageBatch", error)._tag).toBe("AwsTransientError")
  })
})
