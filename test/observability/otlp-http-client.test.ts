import { afterAll, describe, expect, test } from "bun:test"
import { Duration, Effect, Exit, Layer, ManagedRuntime, Scope } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as OtlpExporter from "effect/observability/OtlpExporter"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import { leanFetchClient } from "../../src/observability/otlp-fetch-client.ts"
import { singleExporterFlusher } from "../../src/observability/otlp-flusher.ts"
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

describe("the exporter's HTTP client", () => {
  // Non-ASCII text: the length is in bytes, the body sent as UTF-8, as fetch sends it.
  const text = JSON.stringify({ resourceSpans: [{ name: "é€ 🙂", n: 1 }] })
  const request = HttpClientRequest.post(`${base}/v1/traces`, {
    headers: { "user-agent": "OTel-OTLP-Exporter-JavaScript-Effect-OtlpTracer/4", "x-api-key": "k=1" }
  }).pipe(HttpClientRequest.bodyText(text, "application/json"))

  test("sends what Effect's fetch client sends: method, path, body bytes, content type and length, headers", async () => {
    const effects = await sendWith(
      await Effect.runPromise(Effect.provide(HttpClient.HttpClient.use(Effect.succeed), FetchHttpClient.layer)),
      request
    )
    const ours = await sendWith(leanFetchClient, request)
    expect(effects.seen[0]!.contentLength).toBe(String(Buffer.byteLength(text)))
    expect(effects.seen[0]!.body).toBe(text)
    expect(ours.seen).toEqual(effects.seen)
    expect([ours.status, ours.body]).toEqual([200, "{}"])
  })

  test("reads the status, headers and body of an answer that is not a success", async () => {
    const answer = await sendWith(leanFetchClient, HttpClientRequest.setUrl(request, `${base}/fail`))
    expect([answer.status, answer.headers["retry-after"], answer.body]).toEqual([503, "7", "busy"])
  })

  test("a refused connection is a transport error", async () => {
    const exit = await Effect.runPromiseExit(
      leanFetchClient.execute(HttpClientRequest.setUrl(request, "http://127.0.0.1:9/v1/traces"))
    )
    expect(exit._tag).toBe("Failure")
    expect(JSON.stringify(exit)).toContain("TransportError")
  })
})

describe("the function's exporter (plain fetch client, one exporter's flusher) against Effect's fetch client and flusher", () => {
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
    const now = await exportWith(Layer.succeed(HttpClient.HttpClient, leanFetchClient), singleExporterFlusher)
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
