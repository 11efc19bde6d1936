import { FetchHttpHandler } from "@smithy/fetch-http-handler"
import { describe, expect, test } from "bun:test"
import { BunFetchHandler } from "../../src/aws/bun-fetch-handler.ts"
import { recordingServer } from "../support/recording-server.ts"

const { seen, server } = recordingServer()

const request = (path = "/", query: Record<string, string> = {}) => ({
  protocol: "http:",
  hostname: "127.0.0.1",
  port: server.port,
  method: "POST",
  path,
  query,
  headers: {
    host: `127.0.0.1:${server.port}`,
    "content-type": "application/x-amz-json-1.0",
    "x-amz-target": "DynamoDB_20120810.BatchGetItem",
    "x-amz-date": "20261127T120000Z",
    authorization: "AWS4-HMAC-SHA256 Credential=AKIA/20261127/us-east-1/dynamodb/aws4_request, SignedHeaders=host",
    "content-length": "2"
  },
  body: "{}"
})

const sent = async (handler: FetchHttpHandler, path = "/", query: Record<string, string> = {}) => {
  seen.length = 0
  const { response } = await handler.handle(request(path, query) as never)
  return { response, seen: seen[0]! }
}

describe("BunFetchHandler", () => {
  test("sends what the SDK's fetch handler sends: method, URL, headers, body", async () => {
    const ours = await sent(new BunFetchHandler({ keepAlive: true }))
    const sdk = await sent(new FetchHttpHandler({ keepAlive: true }))
    expect(ours.seen).toEqual(sdk.seen)
    expect(ours.seen.headers["x-amz-target"]).toBe("DynamoDB_20120810.BatchGetItem")
    expect(ours.seen.body).toBe("{}")
  })

  test("answers with the status, the headers and the body read whole as bytes", async () => {
    const { response } = await sent(new BunFetchHandler({ keepAlive: true }))
    expect(response.statusCode).toBe(200)
    expect(response.headers["x-amz-crc32"]).toBe("123")
    expect(response.body).toBeInstanceOf(Uint8Array)
    expect(new TextDecoder().decode(response.body as Uint8Array)).toBe(`{"ok":true}`)
  })

  test("a request with a query goes through the SDK's handler, query included", async () => {
    const { response, seen } = await sent(new BunFetchHandler({ keepAlive: true }), "/", { a: "b c" })
    expect(new URL(seen.url).search).toBe("?a=b%20c")
    expect(response.body).toBeInstanceOf(ReadableStream)
  })

  test("an abort cuts the request in flight and rejects with AbortError", async () => {
    const controller = new AbortController()
    const started = performance.now()
    const pending = new BunFetchHandler({ keepAlive: true }).handle(request("/slow") as never, {
      abortSignal: controller.signal
    })
    setTimeout(() => controller.abort(), 50)
    const error = await pending.then(() => undefined, (e: unknown) => e)
    expect((error as Error).name).toBe("AbortError")
    expect(performance.now() - started).toBeLessThan(1_500)
  })

  test("an already aborted signal sends nothing", async () => {
    seen.length = 0
    const controller = new AbortController()
    controller.abort(new Error("deadline"))
    const error = await new BunFetchHandler({ keepAlive: true }).handle(request() as never, {
      abortSignal: controller.signal
    }).then(() => undefined, (e: unknown) => e)
    expect((error as Error).name).toBe("AbortError")
    expect(seen).toEqual([])
  })
})
