import type { Socket, TCPSocketListener } from "bun"
import { afterAll, describe, expect, test } from "bun:test"
import { Context, Duration, Effect, Exit, Layer, ManagedRuntime, Scope } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as OtlpExporter from "effect/observability/OtlpExporter"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import { otlpHttpClient } from "../../src/observability/otlp-export.ts"
import { leanFetchClient } from "../../src/observability/otlp-fetch-client.ts"
import { singleExporterFlusher } from "../../src/observability/otlp-flusher.ts"
import { OtlpSocketClient, readAnswer } from "../../src/observability/otlp-socket-client.ts"
import { batchedTracerLayer } from "../../src/observability/otlp-tracer.ts"

/** What an OTLP receiver sees of a request. */
interface Recorded {
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string
}
const recorded: Array<Recorded> = []
const recorder = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    const url = new URL(request.url)
    recorded.push({
      method: request.method,
      path: `${url.pathname}${url.search}`,
      headers: Object.fromEntries(request.headers),
      body: await request.text()
    })
    return url.pathname === "/fail"
      ? new Response("busy", { status: 503, headers: { "retry-after": "7" } })
      : Response.json({})
  }
})
afterAll(() => recorder.stop(true))
const base = `http://127.0.0.1:${recorder.port}`

// What an OTLP receiver reads: the body and the headers the exporter sets (fetch adds accept, connection...).
const seen = (r: Recorded) => ({
  method: r.method,
  path: r.path,
  body: r.body,
  contentType: r.headers["content-type"],
  contentLength: r.headers["content-length"],
  userAgent: r.headers["user-agent"],
  apiKey: r.headers["x-api-key"]
})

const sendWith = async (client: HttpClient.HttpClient, request: HttpClientRequest.HttpClientRequest) => {
  recorded.length = 0
  const response = await Effect.runPromise(client.execute(request))
  const body = await Effect.runPromise(response.arrayBuffer)
  return {
    status: response.status,
    headers: response.headers,
    body: new TextDecoder().decode(body),
    seen: recorded.map(seen)
  }
}

describe("the exporter's HTTP clients", () => {
  // Non-ASCII text: the length is in bytes, the body sent as UTF-8, as fetch sends it.
  const text = JSON.stringify({ resourceSpans: [{ name: "é€ 🙂", n: 1 }] })
  const request = HttpClientRequest.post(`${base}/v1/traces`, {
    headers: { "user-agent": "OTel-OTLP-Exporter-JavaScript-Effect-OtlpTracer/4", "x-api-key": "k=1" }
  }).pipe(HttpClientRequest.bodyText(text, "application/json"))

  test("send what Effect's fetch client sends: method, path, body bytes, content type and length, headers", async () => {
    const effects = await sendWith(
      await Effect.runPromise(Effect.provide(HttpClient.HttpClient.use(Effect.succeed), FetchHttpClient.layer)),
      request
    )
    const socket = new OtlpSocketClient(`${base}/v1/traces`)
    try {
      const ours = [await sendWith(leanFetchClient, request), await sendWith(socket.client, request)]
      expect(effects.seen[0]!.contentLength).toBe(String(Buffer.byteLength(text)))
      expect(effects.seen[0]!.body).toBe(text)
      for (const answer of [effects, ...ours]) {
        expect(answer.seen).toEqual(effects.seen)
        expect(answer.status).toBe(200)
        expect(answer.body).toBe("{}")
      }
    } finally {
      socket.close()
    }
  })

  test("read the status, headers and body of an answer that is not a success", async () => {
    const failing = HttpClientRequest.setUrl(request, `${base}/fail`)
    const socket = new OtlpSocketClient(`${base}/fail`)
    try {
      for (const client of [leanFetchClient, socket.client]) {
        const answer = await sendWith(client, failing)
        expect([answer.status, answer.headers["retry-after"], answer.body]).toEqual([503, "7", "busy"])
      }
    } finally {
      socket.close()
    }
  })

  test("a refused connection is a transport error", async () => {
    const socket = new OtlpSocketClient("http://127.0.0.1:9/v1/traces")
    for (const client of [leanFetchClient, socket.client]) {
      const exit = await Effect.runPromiseExit(
        client.execute(HttpClientRequest.setUrl(request, "http://127.0.0.1:9/v1/traces"))
      )
      expect(exit._tag).toBe("Failure")
      expect(JSON.stringify(exit)).toContain("TransportError")
    }
  })

  test("an http: endpoint gets the socket client, an https: one plain fetch", async () => {
    const clientOf = (url: string) =>
      Effect.runPromise(Effect.scoped(Effect.map(Layer.build(otlpHttpClient(url)), Context.get(HttpClient.HttpClient))))
    expect(await clientOf(`${base}/v1/traces`)).not.toBe(leanFetchClient)
    expect(await clientOf("https://collector.example/v1/traces")).toBe(leanFetchClient)
  })
})

// A scripted HTTP/1.1 server on a raw socket: each request answered as `answer` says; connections counted.
interface Script {
  answer: (request: string, n: number) => string | undefined
  closeAfterAnswer?: boolean
}
const scripted = (script: Script) => {
  let connections = 0
  let requests = 0
  const received: Array<string> = []
  const listener: TCPSocketListener<{ buffer: string }> = Bun.listen<{ buffer: string }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        connections++
        socket.data = { buffer: "" }
      },
      data(socket: Socket<{ buffer: string }>, chunk) {
        socket.data.buffer += chunk.toString("latin1")
        const headEnd = socket.data.buffer.indexOf("\r\n\r\n")
        if (headEnd < 0) return
        const length = Number(/content-length: (\d+)/i.exec(socket.data.buffer)?.[1] ?? 0)
        if (socket.data.buffer.length < headEnd + 4 + length) return
        received.push(socket.data.buffer)
        socket.data.buffer = ""
        const answer = script.answer(received.at(-1)!, requests++)
        if (answer === undefined) socket.end()
        else {
          // Byte by byte: the client must read an answer however it is split.
          for (const byte of answer) socket.write(byte)
          if (script.closeAfterAnswer) socket.end()
        }
      }
    }
  })
  return {
    url: `http://127.0.0.1:${listener.port}/v1/traces`,
    received,
    connections: () => connections,
    stop: () => listener.stop(true)
  }
}

describe("the socket client", () => {
  const request = (url: string, body = "{\"a\":1}") =>
    HttpClientRequest.post(url).pipe(HttpClientRequest.bodyText(body, "application/json"))
  const ok = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"

  test("keeps its connection: two exports, one connection; the request's head and body on the wire", async () => {
    const server = scripted({ answer: () => ok })
    const client = new OtlpSocketClient(server.url)
    try {
      for (let i = 0; i < 2; i++) {
        const answer = await client.send(request(server.url))
        expect([answer.response.status, answer.body.toString()]).toEqual([200, "{}"])
      }
      expect(server.connections()).toBe(1)
      expect(server.received[0]).toBe(
        `POST /v1/traces HTTP/1.1\r\nhost: ${new URL(server.url).host}\r\ncontent-type: application/json\r\n` +
          `content-length: 7\r\n\r\n{"a":1}`
      )
    } finally {
      client.close()
      server.stop()
    }
  })

  test("a connection the server closed while idle is replaced at once; one closed by `connection: close` too", async () => {
    const closing = scripted({ answer: () => ok, closeAfterAnswer: true })
    const client = new OtlpSocketClient(closing.url)
    try {
      for (let i = 0; i < 3; i++) expect((await client.send(request(closing.url))).response.status).toBe(200)
      expect(closing.connections()).toBe(3)
    } finally {
      client.close()
      closing.stop()
    }
    const told = scripted({ answer: () => "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n" })
    const second = new OtlpSocketClient(told.url)
    try {
      for (let i = 0; i < 2; i++) expect((await second.send(request(told.url))).response.status).toBe(200)
      expect(told.connections()).toBe(2)
    } finally {
      second.close()
      told.stop()
    }
  })

  test("a chunked answer, and one that ends with the connection", async () => {
    const chunked = scripted({
      answer: () => "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1;x=y\r\n{\r\n1\r\n}\r\n0\r\nt: 1\r\n\r\n"
    })
    const toClose = scripted({ answer: () => "HTTP/1.1 200 OK\r\n\r\n{}", closeAfterAnswer: true })
    const clients = [new OtlpSocketClient(chunked.url), new OtlpSocketClient(toClose.url)]
    try {
      expect((await clients[0]!.send(request(chunked.url))).body.toString()).toBe("{}")
      expect((await clients[1]!.send(request(toClose.url))).body.toString()).toBe("{}")
    } finally {
      for (const c of clients) c.close()
      chunked.stop()
      toClose.stop()
    }
  })

  test("a server that closes without answering fails the export", async () => {
    const silent = scripted({ answer: () => undefined })
    const client = new OtlpSocketClient(silent.url)
    try {
      await expect(client.send(request(silent.url))).rejects.toThrow("closed before an answer")
    } finally {
      client.close()
      silent.stop()
    }
  })

  test("a body larger than the socket's buffer is sent whole", async () => {
    const server = scripted({ answer: () => ok })
    const client = new OtlpSocketClient(server.url)
    const large = JSON.stringify({ x: "y".repeat(4_000_000) })
    try {
      expect((await client.send(request(server.url, large))).response.status).toBe(200)
      expect(server.received[0]!.endsWith(large)).toBe(true)
    } finally {
      client.close()
      server.stop()
    }
  }, 10_000)
})

describe("reading an answer", () => {
  const answer = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello"
  test("at every split: nothing before its last byte, the answer after; interim answers skipped", () => {
    const bytes = Buffer.from(answer)
    for (let end = 0; end < bytes.length; end++) expect(readAnswer(bytes.subarray(0, end), false)).toBeUndefined()
    const read = readAnswer(bytes, false)!
    expect([read.response.status, read.response.headers.get("x-a"), read.body.toString(), read.reusable])
      .toEqual([202, "b", "hello", true])
  })

  test("refuses what is not HTTP", () => {
    expect(() => readAnswer(Buffer.from("SSH-2.0-OpenSSH\r\n\r\n"), false)).toThrow("not an HTTP answer")
    expect(() => readAnswer(Buffer.from("HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n"), false)).toThrow(
      "content-length"
    )
    expect(() => readAnswer(Buffer.from("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"), false))
      .toThrow("chunk size")
  })
})

describe("the function's exporter (socket client and flusher) against Effect's fetch client and flusher", () => {
  const program = Effect.gen(function*() {
    yield* Effect.annotateCurrentSpan({ records: 10, ok: true })
    yield* Effect.void.pipe(Effect.withSpan("batchCall", { attributes: { "aws.operation": "PutItem" } }))
  }).pipe(Effect.withSpan("handleEvent"))

  const exportWith = async (client: Layer.Layer<HttpClient.HttpClient>, flusher: Layer.Layer<OtlpExporter.Flusher>) => {
    const layer = batchedTracerLayer({
      url: `${base}/v1/traces`,
      headers: { "x-api-key": "secret" },
      resource: { serviceName: "same-json", attributes: { "cloud.provider": "aws" } },
      exportInterval: Duration.seconds(600),
      maxBatchSize: 512,
      shutdownTimeout: Duration.seconds(1)
    }).pipe(Layer.provideMerge(flusher), Layer.provide(Layer.mergeAll(OtlpSerialization.layerJson, client)))
    const runtime = ManagedRuntime.make(layer)
    recorded.length = 0
    await runtime.runPromise(program)
    await runtime.runPromise(Effect.flatMap(OtlpExporter.Flusher, (f) => f.flush))
    const sent = recorded.map(seen)
    await runtime.dispose()
    return sent
  }
  // The same JSON but for the ids and times each run draws.
  const masked = (body: string) =>
    body.replace(/"(traceId|spanId|parentSpanId)":"[0-9a-f]+"/g, "\"$1\":\"id\"").replace(
      /"(start|end)TimeUnixNano":"\d+"/g,
      "\"$1TimeUnixNano\":\"t\""
    )

  test("the collector receives the same OTLP JSON, headers and all, when flushed", async () => {
    const before = await exportWith(FetchHttpClient.layer, OtlpExporter.layerFlusher)
    const now = await exportWith(otlpHttpClient(`${base}/v1/traces`), singleExporterFlusher)
    expect(before).toHaveLength(1)
    expect(now).toHaveLength(1)
    expect(JSON.parse(now[0]!.body).resourceSpans[0].scopeSpans[0].spans.map((s: { name: string }) => s.name))
      .toEqual(["batchCall", "handleEvent"])
    expect({ ...now[0]!, body: masked(now[0]!.body) }).toEqual({ ...before[0]!, body: masked(before[0]!.body) })
    expect(now[0]!.apiKey).toBe("secret")
  }, 10_000)
})

describe("the one exporter's flusher", () => {
  test("runs the registered export (each of them, were there two), and none once its scope closed", async () => {
    const runs: Array<string> = []
    const count = (name: string) => Effect.sync(() => void runs.push(name))
    await Effect.runPromise(
      Effect.gen(function*() {
        const flusher = yield* OtlpExporter.Flusher
        const scope = yield* Scope.make()
        yield* Scope.provide(flusher.register(count("traces")), scope)
        yield* flusher.flush
        expect(runs).toEqual(["traces"])
        yield* Effect.scoped(Effect.andThen(flusher.register(count("logs")), flusher.flush))
        expect(runs.sort()).toEqual(["logs", "traces", "traces"])
        yield* Scope.close(scope, Exit.void)
        yield* flusher.flush
        expect(runs).toHaveLength(3)
      }).pipe(Effect.provide(singleExporterFlusher))
    )
  })
})
