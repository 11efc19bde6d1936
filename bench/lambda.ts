/**
 * bun run bench [--quick] [--memory 128,1024,2048,3072] [--messages 10000] [--latency 4]
 *               [--concurrency 10] [--batch-size 10] [--cases add,read] [--no-baseline] [--no-node]
 *               [--node 24.21.0] [--pin]
 *               [--per-environment 5] [--no-managed]
 *
 * For each case (add; read and send) and memory size: sends the messages to the local stack's input
 * queue and drains them through the local event source mapping and the real Bun runtime, each
 * environment held to the memory and CPU Lambda would give it, every AWS call delayed by a simulated
 * round trip. The same run measures the one-record-at-a-time baseline (with the SDK's defaults and,
 * except with --quick, on this product's transport) and the same handler on Node.js with AWS's
 * runtime interface client (aws-lambda-ric; Node.js from npm, by default the newest of
 * bench/node-binary.ts: Lambda's nodejs24.x), and the same bundle in Lambda Managed Instances mode
 * (--per-environment invocations at once in each environment, as many in flight in all), reported per
 * environment beside one invocation at a time. Then it checks that nothing
 * was lost or duplicated, and writes bench/results/<date>-<case>.json / .svg and <date>-report.md.
 * Each environment has its own latency proxies, which time its AWS calls: the report splits every
 * duration into the wait on AWS and the function's own time (bench/own-time.ts). With --pin, the
 * environments run on CPU 0 and the emulators and proxies on the others (bench/pinning.ts): on a
 * 2-core machine that leaves ten environments one core, which measured slower (see README).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { drainQueue, scanAll } from "../local/aws/inspect.ts"
import { seedProducts } from "../local/aws/seed.ts"
import type { InvocationRecord } from "../local/event-source/event-source-mapping.ts"
import { packagedFunction } from "../local/flow/packaged.ts"
import { progressBar } from "../local/flow/progress.ts"
import { sendBodies } from "../local/flow/send.ts"
import { startSession } from "../local/flow/session.ts"
import { detectCgroups } from "../local/limits/cgroups.ts"
import { emfCollector, type EmfTotals } from "../local/metrics/emf-summary.ts"
import type { AwsProxy } from "../local/proxy/aws-proxy.ts"
import { proxiedEndpoints } from "../local/proxy/proxied-endpoints.ts"
import { STACK_DEFAULTS } from "../local/stack/defaults.ts"
import { durationChart } from "./chart.ts"
import { NODE_VERSIONS, nodeBinary } from "./node-binary.ts"
import { bundleForNode, setupNodeRic } from "./node-ric.ts"
import { AwsWaits, type OwnTimeSummary, ownTimeTable, summarizeOwnTime } from "./own-time.ts"
import { pinBenchmark } from "./pinning.ts"
import { type Cost, costOf, PRICES_AS_OF } from "./pricing.ts"
import { fmt, mean, percentile, table } from "./stats.ts"

const ROOT = resolve(import.meta.dir, "..")
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    memory: { type: "string" },
    messages: { type: "string" },
    latency: { type: "string", default: "4" },
    concurrency: { type: "string", default: String(STACK_DEFAULTS.maximumConcurrency) },
    "batch-size": { type: "string", default: String(STACK_DEFAULTS.batchSize) },
    cases: { type: "string", default: "add,read" },
    "no-baseline": { type: "boolean", default: false },
    "no-node": { type: "boolean", default: false },
    node: { type: "string", default: NODE_VERSIONS.at(-1) },
    "per-environment": { type: "string", default: "5" },
    "no-managed": { type: "boolean", default: false },
    pin: { type: "boolean", default: false },
    help: { type: "boolean", default: false }
  }
})
if (args.help) {
  console.log(readFileSync(import.meta.path, "utf8").split("*/")[0]!.replace(/^\/\*\*?|^ \* ?/gm, ""))
  process.exit(0)
}
const memories = (args.memory ?? (args.quick ? "128,1024" : "128,1024,2048,3072")).split(",").map(Number)
const messages = Number(args.messages ?? (args.quick ? 1_000 : 10_000))
const latencyMs = Number(args.latency)
const concurrency = Number(args.concurrency)
const batchSize = Number(args["batch-size"])
const cases = args.cases!.split(",") as Array<"add" | "read">
const perEnvironment = Number(args["per-environment"])
const pinning = pinBenchmark(args.pin!, detectCgroups().available)
// What ships: the built layer and function bundle, plus the baseline bundled the same way, so cold
// starts and durations are those of the deployed artefacts.
const shipped = await packagedFunction({ "baseline.js": "bench/baseline/one-at-a-time.ts" })

// The same handler for Node.js: bundled as ESM and started by aws-lambda-ric, as a Node custom runtime would.
const nodeVariant = () => ({
  name: `batched on Node.js ${args.node} + aws-lambda-ric`,
  key: "node",
  fn: {
    taskRoot: bundleForNode(ROOT),
    handler: "handler.handler",
    bootstrap: setupNodeRic(ROOT, nodeBinary(ROOT, args.node!))
  }
})
type Variant = {
  readonly name: string
  readonly key: string
  readonly fn?: { readonly taskRoot: string; readonly handler: string; readonly bootstrap?: string }
  readonly env?: Record<string, string>
  /** Lambda Managed Instances: invocations at once per environment, and the environments allowed. */
  readonly perEnvironment?: number
  readonly environments?: number
}
const variants: Array<Variant> = [
  { name: "batched (this product)", key: "batched", fn: { ...shipped, handler: "handler.handler" } },
  ...(args["no-baseline"]
    ? []
    : [{ name: "one at a time (baseline)", key: "baseline", fn: { ...shipped, handler: "baseline.handler" } }]),
  // How much of the gap is the transport rather than batching: the baseline on this product's transport.
  ...(args["no-baseline"] || args.quick
    ? []
    : [{
      name: "one at a time, fetch transport",
      key: "baseline-fetch",
      fn: { ...shipped, handler: "baseline.handler" },
      env: { BASELINE_TRANSPORT: "fetch" }
    }]),
  ...(args["no-node"] ? [] : [nodeVariant()]),
  // The same bundle with several invocations per environment, as many in flight in all as above.
  ...(args["no-managed"] || perEnvironment <= 1 ? [] : [{
    name: `batched, ${perEnvironment} per environment (Managed Instances)`,
    key: "managed",
    fn: { ...shipped, handler: "handler.handler" },
    perEnvironment,
    environments: Math.max(1, Math.ceil(concurrency / perEnvironment))
  }])
]

interface RunResult {
  readonly case: string
  readonly variant: string
  readonly variantKey: string
  readonly memoryMb: number
  readonly messages: number
  readonly seconds: number
  readonly invocations: number
  /** Execution environments started, and invocations each served at once. */
  readonly environments: number
  readonly perEnvironment: number
  readonly recordsPerInvocation: number
  readonly durationMs: {
    readonly max: number
    readonly average: number
    readonly min: number
    readonly p50: number
    readonly p99: number
  }
  readonly coldStarts: number
  readonly initDurationMs: { readonly average: number; readonly max: number }
  readonly maxMemoryUsedMb: number
  readonly messagesPerSecond: number
  readonly cost: Cost
  readonly awsRequests: number
  readonly lost: number
  readonly duplicated: number
  readonly deadLetters: number
  readonly failedInvocations: number
  readonly durations: ReadonlyArray<number>
  /** The function's own metrics (its EMF lines) summed over the run; none for the baselines. */
  readonly metrics: EmfTotals
  /** Undefined with several invocations per environment: its calls cannot be told apart by environment. */
  readonly ownTime: OwnTimeSummary | undefined
  readonly ownDurations: ReadonlyArray<number>
}

const runOne = async (
  kind: "add" | "read",
  variant: Variant,
  memoryMb: number,
  count = messages
): Promise<RunResult> => {
  const invocations: Array<InvocationRecord> = []
  const proxies: Array<AwsProxy> = []
  const emf = emfCollector()
  const waits = new AwsWaits()
  const waited: Array<number> = []
  const session = await startSession({
    prefix: `bench-${kind}-${variant.key}-${memoryMb}-${Date.now()}`,
    memoryMb,
    concurrency: variant.environments ?? concurrency,
    batchSize,
    batchingWindowSeconds: STACK_DEFAULTS.batchingWindowSeconds,
    timeoutSeconds: STACK_DEFAULTS.functionTimeoutSeconds,
    ...(variant.perEnvironment ? { perEnvironment: variant.perEnvironment } : {}),
    ...(variant.fn ? { function: variant.fn } : {}),
    ...(variant.env ? { functionEnv: variant.env } : {}),
    onLog: (line) => void emf.add(line),
    onInvocation: (r) => {
      invocations.push(r)
      waited.push(waits.waited(r.environmentId, r.startedAt, r.endedAt))
    },
    // Proxies per environment: each call is timed and belongs to that environment's invocation.
    environmentEndpoints: (stack, id) =>
      proxiedEndpoints(stack, { latencyMs, onTiming: (start, end) => waits.record(id, start, end) }, proxies),
    ...(pinning.environmentCpus ? { environmentCpus: pinning.environmentCpus } : {})
  })
  const { stack } = session
  try {
    const seeded = kind === "read" ? Array.from({ length: Math.min(count, 1_000) }, (_, i) => `seed-${i}`) : []
    await seedProducts(
      stack.endpoints.dynamodb,
      stack.tableName,
      seeded.map((pk, i) => ({ pk, name: `seeded ${i}`, price: i % 100, createdAt: "2026-01-01T00:00:00.000Z" }))
    )
    const bodies = Array.from(
      { length: count },
      (_, i) =>
        kind === "add"
          ? JSON.stringify({ name: `bench product ${i}`, price: i % 100 })
          : JSON.stringify({ pk: seeded[i % seeded.length] })
    )
    const sentIds = await sendBodies(stack.endpoints.sqs, stack.inputQueueUrl, bodies)
    const label = `${kind} ${memoryMb} MB ${variant.key}`.padEnd(28)
    const ticker = setInterval(
      () =>
        progressBar(
          invocations.reduce((n, r) => n + r.event.Records.length, 0),
          count,
          `${label} invocations ${invocations.length}`
        ),
      250
    )
    const started = performance.now()
    await session.mapping.drain()
    const seconds = (performance.now() - started) / 1000
    clearInterval(ticker)
    process.stderr.write(`${progressBar(count, count, `${label} ${seconds.toFixed(1)} s`)}\n`)

    // Accounting: every message exactly once.
    let lost = 0
    let duplicated = 0
    if (kind === "add") {
      const products = await scanAll(stack.endpoints.dynamodb, stack.tableName)
      const byPk = new Map(products.map((p) => [String(p.pk), p]))
      lost = sentIds.filter((id, i) => byPk.get(id)?.name !== `bench product ${i}`).length
      // Products are keyed by message id: a repeated add overwrites, so only extra products count.
      duplicated = Math.max(0, products.length - count)
    } else {
      const output = await drainQueue(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
      const correlations = output.map((m) => m.MessageAttributes?.correlationId?.StringValue ?? "")
      const seen = new Set(correlations)
      lost = sentIds.filter((id) => !seen.has(id)).length
      duplicated = correlations.length - seen.size
    }
    const deadLetters = (await drainQueue(stack.endpoints.sqs, stack.deadLetterQueueUrl)).length
    const reports = invocations.map((r) => r.result.report)
    const durations = reports.map((r) => r.durationMs)
    const inits = reports.flatMap((r) => (r.initDurationMs === undefined ? [] : [r.initDurationMs]))
    return {
      case: kind,
      variant: variant.name,
      variantKey: variant.key,
      memoryMb,
      messages: count,
      seconds,
      invocations: invocations.length,
      environments: session.pool.size,
      perEnvironment: variant.perEnvironment ?? 1,
      recordsPerInvocation: count / invocations.length,
      durationMs: {
        max: Math.max(...durations),
        average: mean(durations),
        min: Math.min(...durations),
        p50: percentile(durations, 50),
        p99: percentile(durations, 99)
      },
      coldStarts: inits.length,
      initDurationMs: { average: inits.length ? mean(inits) : 0, max: inits.length ? Math.max(...inits) : 0 },
      maxMemoryUsedMb: Math.max(...reports.map((r) => r.maxMemoryUsedMb)),
      messagesPerSecond: count / seconds,
      cost: costOf(memoryMb, reports.map((r) => r.billedDurationMs)),
      awsRequests: proxies.reduce((n, p) => n + p.total(), 0),
      lost,
      duplicated,
      deadLetters,
      failedInvocations: invocations.filter((r) => r.result.status !== "success").length,
      durations,
      metrics: emf.totals(),
      ...((variant.perEnvironment ?? 1) > 1
        ? { ownTime: undefined, ownDurations: [] }
        : {
          ownTime: summarizeOwnTime(kind, latencyMs, durations, waited),
          ownDurations: durations.map((d, i) => d - waited[i]!)
        })
    }
  } finally {
    await session.close()
    await Promise.all(proxies.map((p) => p.stop()))
  }
}

// Warm the benchmark process itself (emulators, proxies, poller) so the first measured variant's
// cold starts do not pay for it: a short run, discarded.
await runOne("add", variants[0]!, memories[0]!, 200)
process.stderr.write("(warm-up run above is discarded)\n")

const results: Array<RunResult> = []
let cgroupNote = ""
for (const kind of cases) {
  for (const memoryMb of memories) {
    for (const variant of variants) results.push(await runOne(kind, variant, memoryMb))
  }
}
{
  const cg = detectCgroups()
  cgroupNote = cg.available
    ? `memory and CPU limited per environment (${cg.reason.split(" (")[0]})`
    : `NOT limited (${cg.reason})`
}
const resultOf = (kind: string, key: string, memoryMb: number) =>
  results.find((r) => r.case === kind && r.variantKey === key && r.memoryMb === memoryMb)

// ---- report
const date = new Date().toISOString().slice(0, 10)
const outDir = join(ROOT, "bench/results")
mkdirSync(outDir, { recursive: true })
const usd = (n: number) => `$${n.toFixed(n < 0.01 ? 6 : 4)}`
const lines: Array<string> = [
  `# Load benchmark, ${date}`,
  "",
  `${
    messages.toLocaleString("en")
  } messages per case and memory size, batch size ${batchSize}, up to ${concurrency} environments, ${latencyMs} ms simulated round trip per AWS call; ` +
  `the packaged Bun ${Bun.version} layer and function bundle (bun run build), ${cgroupNote}; ${pinning.note}; emulators dynalite and local-aws-sqs on one 2-core machine. Durations are the function's own REPORT durations. ` +
  `The baseline is the original service's first version: one AWS call per record, AWS SDK defaults (its node:http transport); this product uses the SDK's fetch transport on Bun. ` +
  `Prices: ${PRICES_AS_OF}.`,
  ""
]
const verdicts: Array<string> = []
for (const kind of cases) {
  lines.push(`## ${kind === "add" ? "Add to DynamoDB" : "Read and send to a queue"}`, "")
  const rows = results.filter((r) => r.case === kind).map((r) => [
    `${r.memoryMb}`,
    r.variant,
    String(r.invocations),
    fmt(r.recordsPerInvocation),
    String(r.awsRequests),
    fmt(r.durationMs.max, 2),
    fmt(r.durationMs.average, 2),
    fmt(r.durationMs.min, 2),
    fmt(r.durationMs.p50, 2),
    fmt(r.durationMs.p99, 2),
    `${r.coldStarts} / ${fmt(r.initDurationMs.average, 0)}`,
    String(r.maxMemoryUsedMb),
    fmt(r.messagesPerSecond, 0),
    fmt(r.cost.gbSeconds, 3),
    usd(r.cost.totalUsd.arm64),
    usd(r.cost.totalUsd.x86_64),
    `${r.lost} / ${r.duplicated}`
  ])
  // Per run, what the function itself counted (its EMF lines): the same numbers CloudWatch would show.
  const measured = results.filter((r) => r.case === kind && r.metrics.invocations > 0)
  const sum = (r: RunResult, name: string) => String(r.metrics.sums[name] ?? 0)
  const requests = (r: RunResult) =>
    Object.entries(r.metrics.sums).filter(([k]) => k.startsWith("AwsRequests.")).map(([k, v]) => `${k.slice(12)} ${v}`)
      .join(", ")
  const metricRows = measured.map((r) => [
    `${r.memoryMb}`,
    r.variant,
    String(r.metrics.invocations),
    sum(r, "ColdStart"),
    sum(r, "RecordsReceived"),
    sum(r, "RecordsAdded"),
    sum(r, "ReadsFound"),
    sum(r, "ReadsNotFound"),
    sum(r, "RecordsDeadLettered"),
    sum(r, "RecordsRetried"),
    sum(r, "RecordsHandedBack"),
    requests(r),
    fmt(r.metrics.timings.OldestRecordAge?.max ?? Number.NaN, 0)
  ])
  const metricsTable = metricRows.length === 0 ? [] : [
    "The function's own metrics per run (its EMF lines, as CloudWatch would count them):",
    "",
    table([
      "MB",
      "variant",
      "invocations",
      "cold starts",
      "received",
      "added",
      "found",
      "not found",
      "to DLQ",
      "retried",
      "handed back",
      "AWS requests",
      "oldest record max ms"
    ], metricRows),
    ""
  ]
  lines.push(
    table([
      "MB",
      "variant",
      "invocations",
      "records/inv",
      "AWS calls",
      "max ms",
      "avg ms",
      "min ms",
      "p50 ms",
      "p99 ms",
      "cold starts / init ms",
      "max mem MB",
      "msg/s",
      "GB-s",
      "cost arm64",
      "cost x86_64",
      "lost / dup"
    ], rows),
    "",
    ...metricsTable
  )
  lines.push(
    `Where the time goes: own time = duration − wait on AWS (the union of the environment's calls as its proxies timed them); the floor is ${
      kind === "add" ? "one round trip" : "two round trips"
    } of ${latencyMs} ms.`,
    ""
  )
  lines.push(
    ownTimeTable(
      results.filter((r) => r.case === kind).flatMap((r) => (r.ownTime ? [{ ...r, ownTime: r.ownTime }] : []))
    ),
    ""
  )
  const ours = results.filter((r) => r.case === kind && r.variantKey === "batched")
  for (const r of ours) {
    const base = resultOf(kind, "baseline", r.memoryMb)
    if (base) {
      verdicts.push(
        `${kind} @ ${r.memoryMb} MB: average ${fmt(r.durationMs.average, 2)} ms vs ${
          fmt(base.durationMs.average, 2)
        } ms one at a time = ${fmt(r.durationMs.average / base.durationMs.average, 3)}x (target ≤ 0.2x)`
      )
    }
    const sameTransport = resultOf(kind, "baseline-fetch", r.memoryMb)
    if (sameTransport) {
      verdicts.push(
        `${kind} @ ${r.memoryMb} MB vs one at a time on the same fetch transport: ${
          fmt(r.durationMs.average / sameTransport.durationMs.average, 3)
        }x (batching alone)`
      )
    }
    const node = resultOf(kind, "node", r.memoryMb)
    if (node) {
      verdicts.push(
        `${kind} @ ${r.memoryMb} MB on Bun vs Node.js ${args.node} + aws-lambda-ric: average ${
          fmt(r.durationMs.average / node.durationMs.average, 3)
        }x (target ≤ 0.8x), own time ${
          fmt((r.ownTime?.ownMs.average ?? NaN) / (node.ownTime?.ownMs.average ?? NaN), 3)
        }x (target ≤ 0.7x), init ${
          fmt(r.initDurationMs.average / node.initDurationMs.average, 3)
        }x, max memory ${r.maxMemoryUsedMb} vs ${node.maxMemoryUsedMb} MB, cost ${
          fmt(r.cost.totalUsd.arm64 / node.cost.totalUsd.arm64, 3)
        }x`
      )
    }
    const managed = resultOf(kind, "managed", r.memoryMb)
    if (managed) {
      const perEnv = (x: RunResult) => x.messagesPerSecond / x.environments
      verdicts.push(
        `${kind} @ ${r.memoryMb} MB, ${managed.perEnvironment} invocations per environment (Managed Instances) vs 1: ` +
          `${fmt(perEnv(managed), 0)} vs ${fmt(perEnv(r), 0)} msg/s per environment (${
            fmt(perEnv(managed) / perEnv(r), 2)
          }x) on ${managed.environments} vs ${r.environments} environments, ` +
          `max memory ${managed.maxMemoryUsedMb} vs ${r.maxMemoryUsedMb} MB per environment, average duration ${
            fmt(managed.durationMs.average, 2)
          } vs ${fmt(r.durationMs.average, 2)} ms`
      )
    }
  }
  const cheapest = [...ours].sort((a, b) => a.cost.totalUsd.arm64 - b.cost.totalUsd.arm64)[0]
  if (cheapest) {
    lines.push(
      `Cheapest memory size for this case: **${cheapest.memoryMb} MB** (${
        usd(cheapest.cost.totalUsd.arm64)
      } on arm64, ${usd(cheapest.cost.totalUsd.x86_64)} on x86_64 for ${messages.toLocaleString("en")} messages).`,
      ""
    )
  }
  lines.push(`![duration per memory size](${date}-${kind}.svg)`, "")
  writeFileSync(
    join(outDir, `${date}-${kind}.json`),
    JSON.stringify(
      {
        date,
        settings: { messages, latencyMs, concurrency, batchSize, memories },
        results: results.filter((r) => r.case === kind)
      },
      null,
      2
    )
  )
  writeFileSync(
    join(outDir, `${date}-${kind}.svg`),
    durationChart(
      `${kind}: duration per invocation (ms) by memory size`,
      ours.map((r) => {
        const base = resultOf(kind, "baseline", r.memoryMb)
        return {
          label: `${r.memoryMb} MB`,
          durations: r.durations,
          ...(r.ownTime ? { own: r.ownDurations } : {}),
          ...(base ? { baselineAverage: base.durationMs.average } : {})
        }
      })
    )
  )
}
const totalLost = results.reduce((n, r) => n + r.lost, 0)
const totalDup = results.reduce((n, r) => n + r.duplicated, 0)
const maxMemory = Math.max(...results.filter((r) => r.variantKey === "batched").map((r) => r.maxMemoryUsedMb))
verdicts.push(
  `lost ${totalLost}, duplicated ${totalDup} (target 0 / 0); DLQ ${results.reduce((n, r) => n + r.deadLetters, 0)}`
)
verdicts.push(`max memory used ${maxMemory} MB (target < 64 MB)`)
lines.push("## Verdict", "", ...verdicts.map((v) => `- ${v}`), "")
const report = lines.join("\n")
writeFileSync(join(outDir, `${date}-report.md`), report)
console.log(`\n${report}`)

// The README shows the latest report.
const readmePath = join(ROOT, "README.md")
const readme = readFileSync(readmePath, "utf8")
const start = "<!-- bench:start -->"
const end = "<!-- bench:end -->"
if (readme.includes(start) && readme.includes(end)) {
  const embedded = report.replace(/^# /m, "### ").replace(/^## /gm, "#### ").replace(
    /\]\((\d{4}-\d{2}-\d{2}-\w+\.svg)\)/g,
    "](bench/results/$1)"
  )
  writeFileSync(
    readmePath,
    `${readme.slice(0, readme.indexOf(start) + start.length)}\n${embedded}\n${readme.slice(readme.indexOf(end))}`
  )
}
if (totalLost > 0 || totalDup > 0) process.exit(1)
