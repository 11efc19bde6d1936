/**
 * bun bench/trace-cost.ts [--rounds 12] [--invocations 200] [--per-export 10]
 *
 * Where a traced invocation's extra CPU goes, in process (no stack, no Lambda): the parts that
 * bench:observability measures together, each on its own, with JavaScriptCore as the 128 MB function
 * runs it (the layer's settings for 128 MB: DFG on, FTL and concurrent JIT off, the heap sized to
 * 128 MB: this script runs itself again with those settings unless they are set).
 *   spans    CPU per invocation of the handler's trace shape (handleEvent > decodeSqsEvent,
 *            handleProductRound > 3 × batchCall, under Lambda's parent from an X-Ray header), made with
 *            Effect.fn (every span the fiber's current one, as the function made them before) and with
 *            the function's own helpers (tracedSpan, and leaf spans for decodeSqsEvent and batchCall), with
 *            tracing off (no tracer) and on (the function's own OTLP layer; the spans exported after each
 *            measured block, not during it), and with the endpoint set but the invocation not sampled by
 *            Lambda (`Sampled=0`, no always_on: what most invocations under active tracing pay)
 *   export   CPU per export of `--per-export` invocations' spans by the function's tracer and Effect's
 *            OtlpExporter, to a receiver in another process (its CPU not counted): with Effect's fetch client
 *            and flusher (the function before), with the function's plain fetch client and flusher, and
 *            with an HTTP client that answers in memory (conversion and the exporter only)
 * CPU is process.cpuUsage() (every thread of this process), per block of invocations; variants
 * interleaved; medians over `--rounds` rounds.
 */
import { Duration, Effect, Layer, ManagedRuntime } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as OtlpExporter from "effect/observability/OtlpExporter"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import { parseArgs } from "node:util"
import { usageOf } from "../local/flow/usage.ts"
import { leanFetchClient } from "../src/observability/otlp-fetch-client.ts"
import { singleExporterFlusher } from "../src/observability/otlp-flusher.ts"
import { batchedTracerLayer } from "../src/observability/otlp-tracer.ts"
import { leafSpan, tracedSpan, withLeafSpan } from "../src/observability/span.ts"
import { TraceExport, traceInvocation, tracingLayer } from "../src/observability/tracing.ts"
import { layerEnv } from "./layer-env.ts"
import { spawnSinkReceiver } from "./sink-receiver.ts"
import { fmt, median, table } from "./stats.ts"

const JSC_AT_128_MB = layerEnv(128)

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "12" },
    invocations: { type: "string", default: "200" },
    "per-export": { type: "string", default: "10" },
    help: { type: "boolean", default: false }
  }
})
if (args.help) {
  console.log(usageOf(import.meta.path))
  process.exit(0)
}
if (Object.entries(JSC_AT_128_MB).some(([k]) => process.env[k] === undefined)) {
  const child = Bun.spawn([process.execPath, import.meta.path, ...process.argv.slice(2)], {
    env: { ...process.env, ...JSC_AT_128_MB },
    stdio: ["inherit", "inherit", "inherit"]
  })
  process.exit(await child.exited)
}
const rounds = Number(args.rounds)
const invocations = Number(args.invocations)
const perExport = Number(args["per-export"])

// A receiver in another process, so that its CPU is not this one's: reads each body, answers 200.
const receiver = await spawnSinkReceiver()
const receiverUrl = receiver.url

// The handler's trace: the spans it makes per invocation of 10 records, with their attributes.
const HANDLE_EVENT_ATTRIBUTES = {
  "faas.invocation_id": "3f1b2c4d-0000-4000-8000-1234567890ab",
  records: 10,
  "lambda.deadline_unix_ms": 1_764_000_030_000,
  "batch.stop_unix_ms": 1_764_000_029_000
}
const batchCall = Effect.fn("batchCall")(function*(operation: string) {
  yield* Effect.annotateCurrentSpan({ "aws.operation": operation, items: 5 })
})
const decodeSqsEvent = Effect.fn("decodeSqsEvent")(function*() {})
const handleProductRound = Effect.fn("handleProductRound")(function*() {
  yield* Effect.annotateCurrentSpan("records", 10)
  yield* Effect.all([batchCall("BatchWriteItem"), batchCall("BatchGetItem")], { concurrency: "unbounded" })
  yield* batchCall("SendMessageBatch")
})
const handleEvent = Effect.fn("handleEvent")(function*() {
  yield* decodeSqsEvent()
  yield* Effect.annotateCurrentSpan(HANDLE_EVENT_ATTRIBUTES)
  yield* handleProductRound()
})
// The same trace as the function makes it (src/observability/span.ts): tracedSpan for the steps with spans
// below them, leaf spans (never the fiber's current span) for decodeSqsEvent and each request's batchCall.
const ownBatchCall = (operation: string) =>
  withLeafSpan("batchCall", () => ({ "aws.operation": operation, items: 5 }), () => Effect.void)
const ownDecode = Effect.fnUntraced(function*() {}, leafSpan("decodeSqsEvent"))
const ownRound = Effect.fnUntraced(function*() {
  yield* Effect.annotateCurrentSpan("records", 10)
  yield* Effect.all([ownBatchCall("BatchWriteItem"), ownBatchCall("BatchGetItem")], { concurrency: "unbounded" })
  yield* ownBatchCall("SendMessageBatch")
}, tracedSpan("handleProductRound"))
const ownHandleEvent = Effect.fnUntraced(function*() {
  yield* ownDecode()
  yield* Effect.annotateCurrentSpan(HANDLE_EVENT_ATTRIBUTES)
  yield* ownRound()
}, tracedSpan("handleEvent"))
const sampledHeader = {
  traceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
  remainingMs: () => 30_000
}
const invocation = traceInvocation(handleEvent(), sampledHeader)
const ownInvocation = traceInvocation(ownHandleEvent(), sampledHeader)
const unsampledInvocation = traceInvocation(handleEvent(), {
  traceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
  remainingMs: () => 30_000
})

// Exported only when asked, between measured blocks (see spans): not while they are measured.
const exportsWhenAsked = {
  OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
  OTEL_TRACES_SAMPLER: "always_on",
  OTEL_BSP_SCHEDULE_DELAY: "600000",
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "1000000"
}
const tracer = (
  client: Layer.Layer<HttpClient.HttpClient>,
  flusher: Layer.Layer<OtlpExporter.Flusher> = OtlpExporter.layerFlusher
) =>
  batchedTracerLayer({
    url: `${receiverUrl}/v1/traces`,
    headers: {},
    resource: { serviceName: "trace-cost", attributes: {} },
    exportInterval: Duration.minutes(10),
    maxBatchSize: 100_000,
    shutdownTimeout: Duration.seconds(1)
  }).pipe(
    Layer.provideMerge(flusher),
    Layer.provide(Layer.mergeAll(OtlpSerialization.layerJson, client))
  )
const inMemory = Layer.succeed(
  HttpClient.HttpClient,
  HttpClient.makeWith(
    (request: Effect.Effect<HttpClientRequest.HttpClientRequest, HttpClientError.HttpClientError>) =>
      Effect.map(request, (r) => HttpClientResponse.fromWeb(r, new Response("{}"))),
    Effect.succeed as HttpClient.HttpClient.Preprocess<never, never>
  )
)
const runtimes = {
  off: ManagedRuntime.make(tracingLayer({}, "trace-cost")),
  on: ManagedRuntime.make(tracingLayer(exportsWhenAsked, "trace-cost")),
  // Lambda's decision followed (no always_on): a Sampled=0 invocation makes no span.
  unsampled: ManagedRuntime.make(
    tracingLayer({ ...exportsWhenAsked, OTEL_TRACES_SAMPLER: "parentbased_always_on" }, "trace-cost")
  ),
  // Effect's fetch client and flusher (the function's export before) against the function's own client and flusher.
  fetch: ManagedRuntime.make(tracer(FetchHttpClient.layer)),
  leanFetch: ManagedRuntime.make(tracer(Layer.succeed(HttpClient.HttpClient, leanFetchClient), singleExporterFlusher)),
  inMemory: ManagedRuntime.make(tracer(inMemory, singleExporterFlusher))
}
const flush = Effect.flatMap(OtlpExporter.Flusher, (f) => f.flush)

const cpuMicros = async (body: () => Promise<void>) => {
  const start = process.cpuUsage()
  await body()
  const used = process.cpuUsage(start)
  return used.user + used.system
}
/** CPU per invocation of the trace shape; what the block's spans left in the batch is exported after it, unmeasured. */
const spans = async (
  runtime: ManagedRuntime.ManagedRuntime<never, never>,
  traced: Effect.Effect<void, never, never> = invocation
) => {
  const us = await cpuMicros(async () => {
    for (let i = 0; i < invocations; i++) await runtime.runPromise(traced)
  })
  await runtime.runPromise(Effect.flatMap(TraceExport, (e) => e?.flush ?? Effect.void))
  return us / invocations
}
/** CPU per batch of `perExport` invocations, exported after each batch or not. */
const batches = (runtime: ManagedRuntime.ManagedRuntime<OtlpExporter.Flusher, never>, exporting: boolean) =>
  cpuMicros(async () => {
    for (let b = 0; b < invocations / perExport; b++) {
      for (let i = 0; i < perExport; i++) await runtime.runPromise(handleEvent())
      if (exporting) await runtime.runPromise(flush)
    }
  }).then((us) => us / (invocations / perExport))

const clients = ["fetch", "leanFetch", "inMemory"] as const
const samples: Record<string, Array<number>> = {}
const add = (key: string, value: number, round: number) => {
  if (round > 0) (samples[key] ??= []).push(value) // the first round warms the JIT up
}
for (let round = 0; round <= rounds; round++) {
  add("spans off", await spans(runtimes.off), round)
  add("spans on", await spans(runtimes.on), round)
  add("spans unsampled", await spans(runtimes.unsampled, unsampledInvocation), round)
  add("own spans off", await spans(runtimes.off, ownInvocation), round)
  add("own spans on", await spans(runtimes.on, ownInvocation), round)
  for (const client of clients) {
    add(`${client} exporting`, await batches(runtimes[client], true), round)
    add(`${client} not exporting`, await batches(runtimes[client], false), round)
  }
}
const CLIENTS = {
  fetch: "Effect's fetch client and flusher to a receiver (before)",
  leanFetch: "the function's plain fetch client and flusher",
  inMemory: "a client answering in memory"
}
const m = (key: string) => median(samples[key]!)
console.log(`${rounds} rounds of ${invocations} invocations, JSC as at 128 MB; medians:\n`)
console.log(table(["", "CPU µs"], [
  ["spans: an invocation, tracing off", fmt(m("spans off"), 1)],
  ["spans: an invocation, tracing on", fmt(m("spans on"), 1)],
  ["spans: what tracing adds per invocation", fmt(m("spans on") - m("spans off"), 1)],
  ["spans: an invocation Lambda did not sample (Sampled=0), endpoint set", fmt(m("spans unsampled"), 1)],
  ["the function's spans (tracedSpan, leaf spans): an invocation, tracing off", fmt(m("own spans off"), 1)],
  ["the function's spans: an invocation, tracing on", fmt(m("own spans on"), 1)],
  ["the function's spans: what tracing adds per invocation", fmt(m("own spans on") - m("own spans off"), 1)],
  ...clients.map((client) => [
    `export of ${perExport} invocations' spans, ${CLIENTS[client]}`,
    fmt(m(`${client} exporting`) - m(`${client} not exporting`), 0)
  ])
]))
for (const runtime of Object.values(runtimes)) await runtime.dispose()
receiver.kill()
