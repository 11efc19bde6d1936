/**
 * bun run bench:handler [--latency 4] [--sizes 10,100,1000]
 *
 * Drives the real handler in-process against the embedded emulators, behind a proxy that adds a
 * round-trip latency to every AWS call, and compares batches with a sequential one-record-at-a-time
 * baseline (the same handler invoked once per record) measured in the same run.
 */
import { parseArgs } from "node:util"
import { appConfigOf, startLocalStack } from "../local/aws/local-stack.ts"
import { usageOf } from "../local/flow/usage.ts"
import { IN_REGION_ROUND_TRIP_MS, startAwsProxy } from "../local/proxy/aws-proxy.ts"
import { liveLayer } from "../src/app/live-layer.ts"
import { makeHandler } from "../src/app/make-handler.ts"
import { fmt, median, percentile, table } from "./stats.ts"

const { values: args } = parseArgs({
  options: {
    latency: { type: "string", default: String(IN_REGION_ROUND_TRIP_MS) },
    sizes: { type: "string", default: "10,100,1000" },
    help: { type: "boolean" }
  }
})
if (args.help) {
  console.log(usageOf(import.meta.path))
  process.exit(0)
}
const latencyMs = Number(args.latency)
const sizes = args.sizes!.split(",").map(Number)

const stack = await startLocalStack({ prefix: `bench-${Date.now()}` })
const dynamo = startAwsProxy({ target: stack.endpoints.dynamodb, latencyMs })
const sqs = startAwsProxy({ target: stack.endpoints.sqs, latencyMs })
process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.url
process.env.AWS_ENDPOINT_URL_SQS = sqs.url
for (const [k, v] of Object.entries(stack.functionEnv)) if (!k.startsWith("AWS_ENDPOINT_URL")) process.env[k] = v

const app = makeHandler(
  liveLayer(appConfigOf(stack), "Error")
)
const context = { awsRequestId: "bench", getRemainingTimeInMillis: () => 60_000 }

let seq = 0
const record = (body: string, messageId = `b-${++seq}`) => ({
  messageId,
  body,
  attributes: { SentTimestamp: String(Date.now()) }
})
const addBody = () => JSON.stringify({ name: `product ${seq}`, price: seq % 100 })
const existing: Array<string> = []

type Measure = { ms: Array<number>; requests: Array<number> }
const invoke = async (records: Array<ReturnType<typeof record>>, into: Measure) => {
  dynamo.reset()
  sqs.reset()
  const t0 = performance.now()
  const result = await app.handler({ Records: records } as never, context as never)
  into.ms.push(performance.now() - t0)
  into.requests.push(dynamo.total() + sqs.total())
  if (result.batchItemFailures.length > 0) {
    throw new Error(`benchmark batch had ${result.batchItemFailures.length} failures`)
  }
}

// Warm up: connections, JIT, table.
for (let i = 0; i < 5; i++) {
  const r = record(addBody())
  existing.push(r.messageId)
  await invoke([r], { ms: [], requests: [] })
}

const rows: Array<Array<string>> = []
const summary: Array<string> = []
let roundTrip = Number.NaN
for (const kind of ["add", "read"] as const) {
  for (const size of sizes) {
    const iterations = Math.max(3, Math.min(30, Math.round(3_000 / size)))
    const batched: Measure = { ms: [], requests: [] }
    const sequential: Measure = { ms: [], requests: [] }
    for (let it = 0; it < iterations; it++) {
      const records = Array.from({ length: size }, () => {
        if (kind === "add") return record(addBody())
        return record(JSON.stringify({ pk: existing[seq % existing.length] }))
      })
      if (kind === "add") existing.push(...records.map((r) => r.messageId))
      await invoke(records, batched)
      // Baseline: the same records, one invocation each, one after the other.
      const t0 = performance.now()
      let requests = 0
      for (const r of records) {
        const one: Measure = { ms: [], requests: [] }
        await invoke([{ ...r, messageId: `${r.messageId}-seq` }], one)
        requests += one.requests[0]!
      }
      sequential.ms.push(performance.now() - t0)
      sequential.requests.push(requests)
    }
    if (kind === "add" && Number.isNaN(roundTrip)) roundTrip = median(sequential.ms) / size
    const speedup = median(sequential.ms) / median(batched.ms)
    rows.push([
      kind,
      String(size),
      String(iterations),
      fmt(median(batched.ms)),
      fmt(percentile(batched.ms, 99)),
      fmt(median(batched.requests), 0),
      fmt(median(sequential.ms)),
      fmt(median(sequential.requests), 0),
      `${fmt(speedup)}x`
    ])
    if (size === 10) {
      summary.push(
        `${kind} x10: ${fmt(median(batched.requests), 0)} AWS requests, ${
          fmt(median(batched.ms) / roundTrip, 2)
        }x one round trip (${fmt(roundTrip)} ms, a one-record add)`
      )
    }
    if (size === 1000) summary.push(`${kind} x1000: ${fmt(speedup)}x faster than sequential`)
  }
}

console.log(
  `\nHandler benchmark: ${latencyMs} ms simulated latency per AWS call, emulators in-process, bun ${Bun.version}\n`
)
console.log(
  table([
    "case",
    "records",
    "runs",
    "batch p50 ms",
    "batch p99 ms",
    "AWS req",
    "sequential p50 ms",
    "seq AWS req",
    "speed-up"
  ], rows)
)
console.log(`\n${summary.join("\n")}`)

await app.dispose()
await dynamo.stop()
await sqs.stop()
await stack.close()
