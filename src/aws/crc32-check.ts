import type { DynamoDBClient } from "@aws-sdk/client-dynamodb"

// Bun's own CRC-32 on Bun (zlib's values, checked in test/build/stand-ins.test.ts): node:zlib is a large
// JavaScript module there, several ms of every cold start, which the bundles' stand-ins keep out of it.
const crc32 = (data: Uint8Array): number =>
  typeof Bun !== "undefined" ? Bun.hash.crc32(data) : process.getBuiltinModule("node:zlib").crc32(data)

/** The error a damaged answer becomes; classified transient (retried), as a network failure is. */
class Crc32CheckFailed extends Error {
  override readonly name = "CRC32CheckFailed"
  readonly $metadata: { readonly httpStatusCode?: number }
  constructor(expected: number, actual: number, httpStatusCode: number | undefined) {
    super(`the answer's x-amz-crc32 is ${expected}, its body's CRC32 is ${actual}: damaged on the way`)
    this.$metadata = httpStatusCode === undefined ? {} : { httpStatusCode }
  }
}

interface RawResponse {
  readonly statusCode?: number
  readonly headers: Record<string, string | undefined>
  body: unknown
}

const readBody = async (body: unknown): Promise<Uint8Array> => {
  if (body instanceof Uint8Array) return body
  if (body instanceof ReadableStream) return new Uint8Array(await new Response(body).arrayBuffer())
  // node:http transport: an IncomingMessage (async iterable of Buffers).
  const chunks: Array<Uint8Array> = []
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/**
 * DynamoDB signs each answer with the CRC32 of its body in `x-amz-crc32`; SDK v3 does not check it.
 * This middleware does, innermost (next to the transport), so that a damaged or cut-off answer is a
 * retried network failure rather than a wrong result or a parse error. The body is read once and
 * handed on as bytes, which the deserializer accepts as is.
 */
export const checkCrc32 = (client: DynamoDBClient): void => {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args)
      const response = result.response as RawResponse
      const header = response.headers["x-amz-crc32"]
      // DynamoDB computes it over the bytes it sent: a compressed answer, which the transport has
      // already decompressed, cannot be checked here.
      const encoding = response.headers["content-encoding"]
      const compressed = encoding !== undefined && encoding !== "identity"
      if (header === undefined || response.body === undefined || compressed) return result
      const bytes = await readBody(response.body)
      const actual = crc32(bytes)
      if (actual !== Number(header)) throw new Crc32CheckFailed(Number(header), actual, response.statusCode)
      response.body = bytes
      return result
    },
    { step: "deserialize", priority: "low", name: "checkCrc32" }
  )
}
