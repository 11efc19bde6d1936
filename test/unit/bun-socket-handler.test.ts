import type { Socket } from "bun"
import { describe, expect, test } from "bun:test"
import { Effect, Layer } from "effect"
import { BunFetchHandler } from "../../src/aws/bun-fetch-handler.ts"
import { BunSocketHandler } from "../../src/aws/bun-socket-handler.ts"
import { AwsHttpClient, DynamoDocumentClient, SqsClient, transport } from "../../src/aws/clients.ts"
import { appConfig } from "../../src/config.ts"
import { recordingServer } from "../support/recording-server.ts"

const { seen, server } = recordingServer()
const port = server.port!

const request = (port: number, path = "/", body = "{}") => ({
  protocol: "http:",
  hostname: "127.0.0.1",
  port,
  method: "POST",
  path,
  query: {},
  headers: {
    host: `127.0.0.1:${port}`,
    "content-type": "application/x-amz-json-1.0",
    "x-amz-target": "DynamoDB_20120810.BatchGetItem",
    "content-length": String(Buffer.byteLength(body))
  },
  body
})

const decoded = (body: Uint8Array) => new TextDecoder().decode(body)

/** A raw TCP server answering each request with `answer(n)` (n counts requests on all connections). */
const rawServer = (answer: (n: number, socket: Socket<undefined>) => void) => {
  let n = 0
  let connections = 0
  const listener = Bun.listen<undefined>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open: () => void connections++,
      data: (socket, chunk) => {
        if (chunk.toString("latin1").includes("\r\n\r\n")) answer(n++, socket)
      }
    }
  })
  return { port: listener.port, connections: () => connections, stop: () => listener.stop(true) }
}

describe("BunSocketHandler", () => {
  test("sends what the fetch transport sends (method, URL, the SDK's headers, body) and answers alike", async () => {
    seen.length = 0
    const ours = await new BunSocketHandler({ connectionsPerOrigin: 4 }).handle(request(port) as never)
    const fetched = await new BunFetchHandler({ keepAlive: true }).handle(request(port) as never)
    const [a, b] = seen
    // fetch adds defaults of its own (accept, accept-encoding, connection, user-agent), none of them signed.
    const FETCH_DEFAULTS = ["accept", "accept-encoding", "connection", "user-agent"]
    const withoutDefaults = (headers: Record<string, string>) =>
      Object.fromEntries(Object.entries(headers).filter(([name]) => !FETCH_DEFAULTS.includes(name)))
    expect({ ...a!, headers: withoutDefaults(a!.headers) }).toEqual({ ...b!, headers: withoutDefaults(b!.headers) })
    expect(Object.keys(a!.headers).sort()).toEqual(Object.keys(request(port).headers).sort())
    expect(ours.response.statusCode).toBe(200)
    expect(ours.response.headers["x-amz-crc32"]).toBe("123")
    expect(decoded(ours.response.body)).toBe(decoded(fetched.response.body))
  })

  test("keeps one connection alive for requests one after the other", async () => {
    const raw = rawServer((_, socket) => void socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"))
    const handler = new BunSocketHandler({ connectionsPerOrigin: 4 })
    for (let i = 0; i < 5; i++) {
      expect(decoded((await handler.handle(request(raw.port) as never)).response.body)).toBe("{}")
    }
    expect(raw.connections()).toBe(1)
    handler.destroy()
    raw.stop()
  })

  test("reads an answer split over writes, chunked, with a UTF-8 body", async () => {
    const raw = rawServer((_, socket) => {
      socket.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nX-Amz-Crc32: 7\r\n")
      setTimeout(() => socket.write("\r\n4\r\n{\"a\"\r\n"), 5)
      setTimeout(() => socket.write("6\r\n:\"é\"}\r\n0\r\n\r\n"), 10)
    })
    const handler = new BunSocketHandler({ connectionsPerOrigin: 4 })
    const { response } = await handler.handle(request(raw.port) as never)
    expect(response.headers["x-amz-crc32"]).toBe("7")
    expect(decoded(response.body)).toBe(`{"a":"é"}`)
    handler.destroy()
    raw.stop()
  })

  test("a kept-alive connection the server closed is replaced, the request sent again at once", async () => {
    const raw = rawServer((n, socket) => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
      if (n === 0) socket.end() // closes the connection after the first answer, as a server's idle timeout does
    })
    const handler = new BunSocketHandler({ connectionsPerOrigin: 4 })
    await handler.handle(request(raw.port) as never)
    await Bun.sleep(20)
    expect(decoded((await handler.handle(request(raw.port) as never)).response.body)).toBe("{}")
    expect(raw.connections()).toBe(2)
    handler.destroy()
    raw.stop()
  })

  // A bug the merge with the runtime's client showed: closing a connection settled its request as lost (Bun runs
  // the close handler within terminate()) before it could be answered, so such an answer became an ECONNRESET.
  test("an answer with Connection: close, or one that runs to the connection's end, is the request's answer", async () => {
    const raw = rawServer((n, socket) => {
      if (n % 2 === 0) socket.write("HTTP/1.1 503 Slow Down\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}")
      else socket.end("HTTP/1.1 200 OK\r\n\r\n{\"to\":\"end\"}")
    })
    const handler = new BunSocketHandler({ connectionsPerOrigin: 4 })
    const closing = await handler.handle(request(raw.port) as never)
    expect(closing.response.statusCode).toBe(503)
    expect(decoded(closing.response.body)).toBe("{}")
    const toEnd = await handler.handle(request(raw.port) as never)
    expect(decoded(toEnd.response.body)).toBe(`{"to":"end"}`)
    expect((await handler.handle(request(raw.port) as never)).response.statusCode).toBe(503)
    expect(raw.connections()).toBe(3)
    handler.destroy()
    raw.stop()
  })

  test("an answer cut in the middle fails the request with a network code the retries take as transient", async () => {
    const raw = rawServer((_, socket) => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{}")
      socket.end()
    })
    const handler = new BunSocketHandler({ connectionsPerOrigin: 4 })
    const failure = await handler.handle(request(raw.port) as never).catch((e: unknown) => e)
    expect(failure).toMatchObject({ code: "ECONNRESET" })
    handler.destroy()
    raw.stop()
  })

  test("a refused connection fails with ECONNREFUSED", async () => {
    const raw = rawServer(() => {})
    const port = raw.port
    raw.stop()
    const failure = await new BunSocketHandler({ connectionsPerOrigin: 4 }).handle(request(port) as never).catch((
      e: unknown
    ) => e)
    expect(failure).toMatchObject({ code: "ECONNREFUSED" })
  })

  test("an abort cuts the request in flight with an AbortError carrying the reason", async () => {
    const controller = new AbortController()
    const handler = new BunSocketHandler({ connectionsPerOrigin: 4 })
    const started = performance.now()
    setTimeout(() => controller.abort(new Error("deadline")), 50)
    const failure = await handler.handle(request(port, "/slow") as never, { abortSignal: controller.signal })
      .catch((e: unknown) => e)
    expect(failure).toMatchObject({ name: "AbortError", cause: new Error("deadline") })
    expect(performance.now() - started).toBeLessThan(1_500)
    handler.destroy()
  })

  test("a header value with a line break is refused before anything is sent", async () => {
    seen.length = 0
    const bad = { ...request(port), headers: { ...request(port).headers, "x-injected": "a\r\nb: c" } }
    const failure = await new BunSocketHandler({ connectionsPerOrigin: 4 }).handle(bad as never).catch((e: unknown) =>
      e
    )
    expect(failure).toBeInstanceOf(TypeError)
    expect(seen).toHaveLength(0)
  })

  test("more requests at once than connections allowed wait for one to come free", async () => {
    const raw = rawServer((_, socket) => {
      setTimeout(() => socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"), 10)
    })
    const handler = new BunSocketHandler({ connectionsPerOrigin: 2 })
    const answers = await Promise.all(Array.from({ length: 6 }, () => handler.handle(request(raw.port) as never)))
    expect(answers.map((a) => decoded(a.response.body))).toEqual(Array(6).fill("{}"))
    expect(raw.connections()).toBe(2)
    handler.destroy()
    raw.stop()
  })
})

describe("transport()", () => {
  test("the function's own sockets by default on Bun, fetch when asked", () => {
    expect(transport().requestHandler).toBeInstanceOf(BunSocketHandler)
    expect(transport(8, "socket").requestHandler).toBeInstanceOf(BunSocketHandler)
    expect(transport(8, "fetch").requestHandler).toBeInstanceOf(BunFetchHandler)
    expect(transport(8, "fetch").requestHandler).not.toBeInstanceOf(BunSocketHandler)
  })

  test("the clients get the transport the function's settings chose (BUN_AWS_HTTP_CLIENT, decoded at cold start)", async () => {
    const handlerOf = (env: Record<string, string>) =>
      Effect.runPromise(
        Effect.gen(function*() {
          const config = yield* appConfig({
            TABLE_NAME: "products",
            OUTPUT_QUEUE_URL: "http://127.0.0.1:1/q/out",
            DEAD_LETTER_QUEUE_URL: "http://127.0.0.1:1/q/dlq",
            ...env
          })
          const [dynamo, sqs] = yield* Effect.all([DynamoDocumentClient, SqsClient]).pipe(
            Effect.provide(Layer.mergeAll(DynamoDocumentClient.layer, SqsClient.layer)),
            Effect.provideService(AwsHttpClient, config.awsHttpClient),
            Effect.scoped
          )
          return [dynamo.config.requestHandler, sqs.config.requestHandler]
        })
      )
    for (const handler of await handlerOf({})) expect(handler).toBeInstanceOf(BunSocketHandler)
    for (const handler of await handlerOf({ BUN_AWS_HTTP_CLIENT: "fetch" })) {
      expect(handler).toBeInstanceOf(BunFetchHandler)
      expect(handler).not.toBeInstanceOf(BunSocketHandler)
    }
  })
})
