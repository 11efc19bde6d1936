/**
 * bun bench/canned-aws.ts
 *
 * A stand-in for DynamoDB and SQS that answers the function's three requests at once, with the
 * answers AWS gives when everything goes through: BatchWriteItem (nothing unprocessed), BatchGetItem
 * (every key found) and SendMessageBatch (every entry sent, with the MD5s the SDK checks). It signs
 * DynamoDB's answers with x-amz-crc32, as DynamoDB does. Run in its own process by bench/hot-path.ts,
 * so that producing the answers costs the measured function nothing. Prints its URL, then serves.
 * CANNED_AWS_DELAY_MS (default 0) holds every answer that long, as the load benchmark's proxies do (4 ms),
 * so that the measured function's event loop goes idle between its round trips as in an environment.
 */
import { createHash } from "node:crypto"

export interface CannedAnswer {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

const md5 = (data: Uint8Array | string) => createHash("md5").update(data).digest("hex")

interface MessageAttribute {
  readonly DataType: string
  readonly StringValue?: string
  readonly BinaryValue?: string
}

/**
 * SQS's MD5 of a message's attributes: for each name in order, its length-prefixed UTF-8 name, data
 * type, a transport byte (1 string, 2 binary) and the length-prefixed value.
 */
export const attributesMd5 = (attributes: Record<string, MessageAttribute>): string => {
  const parts: Array<Uint8Array> = []
  const field = (bytes: Uint8Array) => {
    const length = new Uint8Array(4)
    new DataView(length.buffer).setUint32(0, bytes.length)
    parts.push(length, bytes)
  }
  const utf8 = (s: string) => new TextEncoder().encode(s)
  for (const name of Object.keys(attributes).sort()) {
    const a = attributes[name]!
    field(utf8(name))
    field(utf8(a.DataType))
    if (a.BinaryValue !== undefined) {
      parts.push(Uint8Array.of(2))
      field(Uint8Array.from(Buffer.from(a.BinaryValue, "base64")))
    } else {
      parts.push(Uint8Array.of(1))
      field(utf8(a.StringValue ?? ""))
    }
  }
  return md5(Buffer.concat(parts))
}

const json = (body: unknown, headers: Record<string, string> = {}): CannedAnswer => ({
  status: 200,
  headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": crypto.randomUUID(), ...headers },
  body: JSON.stringify(body)
})

const dynamoAnswer = (body: unknown): CannedAnswer => {
  const text = JSON.stringify(body)
  return json(body, { "x-amz-crc32": String(Bun.hash.crc32(text)) })
}

type Item = Record<string, Record<string, string>>

/** The item every key is found with: a product as the function stores it. */
const storedItem = (key: Item): Item => ({
  ...key,
  name: { S: `product ${key.pk?.S ?? ""}` },
  price: { N: "12.5" },
  createdAt: { S: "2026-11-27T12:00:00.000Z" }
})

/** The answer to one request, by its X-Amz-Target; an unknown target gets AWS's UnknownOperationException. */
export const cannedAnswer = (target: string, request: string): CannedAnswer => {
  const input = JSON.parse(request)
  switch (target) {
    case "DynamoDB_20120810.BatchWriteItem":
      return dynamoAnswer({ UnprocessedItems: {} })
    case "DynamoDB_20120810.BatchGetItem": {
      const requested = input.RequestItems as Record<string, { Keys: Array<Item> }>
      const responses = Object.fromEntries(
        Object.entries(requested).map(([table, { Keys }]) => [table, Keys.map(storedItem)])
      )
      return dynamoAnswer({ Responses: responses, UnprocessedKeys: {} })
    }
    case "AmazonSQS.SendMessageBatch": {
      const entries = input.Entries as Array<
        { Id: string; MessageBody: string; MessageAttributes?: Record<string, MessageAttribute> }
      >
      return json({
        Successful: entries.map((e) => ({
          Id: e.Id,
          MessageId: crypto.randomUUID(),
          MD5OfMessageBody: md5(e.MessageBody),
          ...(e.MessageAttributes ? { MD5OfMessageAttributes: attributesMd5(e.MessageAttributes) } : {})
        })),
        Failed: []
      })
    }
    default:
      return {
        status: 400,
        headers: { "content-type": "application/x-amz-json-1.0" },
        body: JSON.stringify({ __type: "UnknownOperationException", message: `not canned: ${target}` })
      }
  }
}

/** The answer delay in ms from CANNED_AWS_DELAY_MS: 0 when unset; a negative or non-number value is refused. */
export const answerDelayMs = (value: string | undefined): number => {
  const ms = Number(value ?? "0")
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`CANNED_AWS_DELAY_MS: a number of ms ≥ 0, not ${value}`)
  return ms
}

/** Serves the canned answers on 127.0.0.1, DynamoDB and SQS on the same port, each after delayMs. */
export const startCannedAws = (port = 0, delayMs = 0) =>
  Bun.serve({
    hostname: "127.0.0.1",
    port,
    async fetch(request) {
      const answer = cannedAnswer(request.headers.get("x-amz-target") ?? "", await request.text())
      if (delayMs > 0) await Bun.sleep(delayMs)
      return new Response(answer.body, { status: answer.status, headers: answer.headers })
    }
  })

/**
 * This script in a process of its own, so that its CPU is not the measured process's: the process, and the
 * endpoint it serves (the first line it prints).
 */
export const spawnCannedAws = async (delayMs = 0) => {
  const server = Bun.spawn([process.execPath, import.meta.path], {
    env: { ...process.env, CANNED_AWS_DELAY_MS: String(delayMs) },
    stdout: "pipe",
    stderr: "inherit"
  })
  const reader = server.stdout.getReader()
  const endpoint = new TextDecoder().decode((await reader.read()).value).trim().replace(/\/$/, "")
  reader.releaseLock()
  return { server, endpoint }
}

/** What a function measured outside Lambda against these answers needs set: its settings, endpoints, a fake identity. */
export const cannedFunctionEnv = (endpoint: string, memoryMb: number): Record<string, string> => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  TABLE_NAME: "hot-path-products",
  OUTPUT_QUEUE_URL: `${endpoint}/000000000000/hot-path-output`,
  DEAD_LETTER_QUEUE_URL: `${endpoint}/000000000000/hot-path-dlq`,
  AWS_ENDPOINT_URL_DYNAMODB: endpoint,
  AWS_ENDPOINT_URL_SQS: endpoint,
  AWS_REGION: "us-east-1",
  AWS_DEFAULT_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "AKIAHOTPATHBENCH0000",
  AWS_SECRET_ACCESS_KEY: "hot-path-bench-secret-key-not-a-real-one0",
  AWS_LAMBDA_FUNCTION_NAME: "hot-path",
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb)
})

if (import.meta.main) {
  const server = startCannedAws(0, answerDelayMs(process.env.CANNED_AWS_DELAY_MS))
  console.log(server.url.href)
}
