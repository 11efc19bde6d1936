/**
 * bun run bench:observability [--memory 128] [--messages 1000] [--rounds 7] [--latency 4] [--concurrency 10]
 *                             [--per-invocation]
 *
 * What metrics and traces cost an invocation, measured side by side: the same packaged function in
 * three variants, each with its own local stack and warm environments, held to the memory and CPU
 * Lambda gives the memory size, every AWS call delayed by a simulated round trip:
 *   off              METRICS_ENABLED=false, no OTLP endpoint (no tracer at all)
 *   off (again)      the same, in a stack and environments of its own: the noise floor
 *   metrics          one EMF line per invocation
 *   metrics+traces   EMF, and every invocation's spans exported to a local OTLP receiver, batched
 *                    (the default: every 5 s or 512 spans)
 *   traces per invocation  (with --per-invocation) the same, each invocation's spans exported
 *                    before it returns (OTEL_BSP_SCHEDULE_DELAY=0), for comparison
 * Each round sends `--messages` (half adds, half reads of seeded products) to each variant in turn,
 * the order rotating every round so that drift and noise from other processes fall on all of them;
 * round 0 is a warm-up (cold starts) and is not counted. Prints the average REPORT duration per
 * variant, its ratio to "off", the spread of the per-round ratios (the noise), and the CPU time the
 * environments' processes used per invocation (all threads, from /proc: not affected by waiting
 * for the CPU, so much less noisy on a shared machine).
 */
import { readdirSync, readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { seedProducts } from "../local/aws/seed.ts"
import type { InvocationRecord } from "../local/event-source/event-source-mapping.ts"
import { packagedFunction } from "../local/flow/packaged.ts"
import { sendBodies } from "../local/flow/send.ts"
import { type Session, startSession } from "../local/flow/session.ts"
import { emfCollector, summaryLines } from "../local/metrics/emf-summary.ts"
import type { AwsProxy } from "../local/proxy/aws-proxy.ts"
import { proxiedEndpoints } from "../local/proxy/proxied-endpoints.ts"
import { STACK_DEFAULTS } from "../local/stack/defaults.ts"
import { startOtlpReceiver } from "../local/trace/otlp-receiver.ts"
import { fmt, mean, percentile, table } from "./stats.ts"

const { values: args } = parseArgs({
  options: {
    memory: { type: "string", default: "128" },
    messages: { type: "string", default: "1000" },
    rounds: { type: "string", default: "7" },
    latency: { type: "string", default: "4" },
    concurrency: { type: "string", default: String(STACK_DEFAULTS.maximumConcurrency) },
    "per-invocation": { type: "boolean", default: false },
    "no-collector": { type: "boolean", default: false },
    help: { type: "boolean", default: false }
  }
})
if (args.help) {
  console.log(readFileSync(import.meta.path, "utf8").split("*/")[0]!.replace(/^\/\*\*?|^ \* ?/gm, ""))
  process.exit(0)
}
const memoryMb = Number(args.memory)
const messages = Number(args.messages)
const rounds = Number(args.rounds)
const latencyMs = Number(args.latency)
const concurrency = Number(args.concurrency)

const shipped = await packagedFunction()
const receiver = startOtlpReceiver()
const variants: Array<{ readonly key: string; readonly env: Record<string, string> }> = [
  { key: "off", env: { METRICS_ENABLED: "false" } },
  // The same as "off" in a stack and environments of its own: how far apart two identical variants land.
  { key: "off (again)", env: { METRICS_ENABLED: "false" } },
  { key: "metrics", env: { METRICS_ENABLED: "true" } },
  {
    key: "metrics+traces",
    env: { METRICS_ENABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER: "always_on" }
  },
  // Diagnostic: spans made and converted, but the exporter finds no collector (it then drops them).
  ...(args["no-collector"]
    ? [{
      key: "traces, no collector",
      env: {
        METRICS_ENABLED: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
        OTEL_TRACES_SAMPLER: "always_on"
      }
    }]
    : []),
  // Not the default: every invocation's spans exported before it returns.
  ...(args["per-invocation"]
    ? [{
      key: "traces per invocation",
      env: {
        METRICS_ENABLED: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_TRACES_SAMPLER: "always_on",
        OTEL_BSP_SCHEDULE_DELAY: "0"
      }
    }]
    : [])
]

/** CPU time (ns) of the processes' threads so far, from the scheduler's statistics. */
const cpuNs = (pids: Iterable<number>) => {
  let total = 0
  for (const pid of pids) {
    try {
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0])
      }
    } catch {
      // the environment is gone
    }
  }
  return total
}

interface Running {
  readonly key: string
  readonly session: Session
  readonly proxies: Array<AwsProxy>
  readonly invocations: Array<InvocationRecord>
  readonly emf: ReturnType<typeof emfCollector>
  /** Average duration per counted round. */
  readonly perRound: Array<number>
  readonly durations: Array<number>
  readonly pids: Set<number>
  /** CPU µs per invocation, per counted round. */
  readonly cpuPerRound: Array<number>
}

const SEEDED = 500
const running: Array<Running> = []
for (const v of variants) {
  const proxies: Array<AwsProxy> = []
  const invocations: Array<InvocationRecord> = []
  const emf = emfCollector()
  const pids = new Set<number>()
  const session = await startSession({
    prefix: `obs-${v.key.replace(/[^a-z]+/g, "-")}-${Date.now()}`,
    memoryMb,
    concurrency,
    batchSize: STACK_DEFAULTS.batchSize,
    batchingWindowSeconds: STACK_DEFAULTS.batchingWindowSeconds,
    timeoutSeconds: STACK_DEFAULTS.functionTimeoutSeconds,
    function: shipped,
    functionEnv: v.env,
    onInvocation: (r) => void invocations.push(r),
    onDispatch: (env) => void (env.pid !== undefined && pids.add(env.pid)),
    onLog: (line) => void emf.add(line),
    functionEndpoints: (stack) => proxiedEndpoints(stack, { latencyMs }, proxies)
  })
  await seedProducts(
    session.stack.endpoints.dynamodb,
    session.stack.tableName,
    Array.from({ length: SEEDED }, (_, i) => ({ pk: `seed-${i}`, name: `seeded ${i}`, price: i }))
  )
  running.push({ key: v.key, session, proxies, invocations, emf, perRound: [], durations: [], pids, cpuPerRound: [] })
}

const bodies = (round: number) =>
  Array.from(
    { length: messages },
    (_, i) =>
      i % 2 === 0
        ? JSON.stringify({ name: `r${round} product ${i}`, price: i % 100 })
        : JSON.stringify({ pk: `seed-${i % SEEDED}` })
  )

try {
  for (let round = 0; round <= rounds; round++) {
    // Rotate the order each round: whichever runs first or last is a different variant every time.
    const order = running.map((_, i) => running[(i + round) % running.length]!)
    for (const r of order) {
      const before = r.invocations.length
      const cpuBefore = cpuNs(r.pids)
      await sendBodies(r.session.stack.endpoints.sqs, r.session.stack.inputQueueUrl, bodies(round))
      await r.session.mapping.drain()
      const durations = r.invocations.slice(before).map((i) => i.result.report.durationMs)
      const cpuUs = (cpuNs(r.pids) - cpuBefore) / 1_000 / durations.length
      if (round > 0) {
        r.perRound.push(mean(durations))
        r.durations.push(...durations)
        r.cpuPerRound.push(cpuUs)
      }
      process.stderr.write(
        `round ${round}${round === 0 ? " (warm-up)" : ""} ${
          r.key.padEnd(22)
        } ${durations.length} invocations, average ${fmt(mean(durations), 2)} ms, CPU ${fmt(cpuUs, 0)} µs each\n`
      )
    }
  }
} finally {
  for (const r of running) {
    await r.session.close()
    await Promise.all(r.proxies.map((p) => p.stop()))
  }
  await receiver.stop()
}

const off = running[0]!
const rows = running.map((r) => {
  const ratios = r.perRound.map((avg, i) => avg / off.perRound[i]!)
  return [
    r.key,
    String(r.durations.length),
    fmt(mean(r.durations), 2),
    fmt(percentile(r.durations, 50), 2),
    fmt(percentile(r.durations, 99), 2),
    fmt(mean(r.durations) / mean(off.durations), 3),
    `${fmt(Math.min(...ratios), 3)} – ${fmt(Math.max(...ratios), 3)}`,
    fmt(mean(r.cpuPerRound), 0),
    fmt(mean(r.cpuPerRound) / mean(off.cpuPerRound), 3)
  ]
})
console.log(
  `\nObservability overhead at ${memoryMb} MB: ${rounds} rounds of ${messages} messages per variant (half adds, half reads), ` +
    `${latencyMs} ms per AWS call, packaged function, warm-up round not counted; ${receiver.spans().length} spans received.\n`
)
console.log(
  table([
    "variant",
    "invocations",
    "avg ms",
    "p50 ms",
    "p99 ms",
    "avg / off",
    "per-round avg / off (min – max)",
    "CPU µs / inv",
    "CPU / off"
  ], rows)
)
for (const r of running.slice(1)) {
  console.log(`\n${r.key} (function's own metrics, all rounds):\n  ${summaryLines(r.emf.totals()).join("\n  ")}`)
}
