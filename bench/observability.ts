/**
 * bun run bench:observability [--memory 128] [--messages 400] [--rounds 60] [--epochs 6] [--warmup 2] [--latency 4]
 *                             [--concurrency 4] [--budget 3] [--no-metrics-only] [--sequential] [--per-invocation]
 *                             [--no-collector] [--compare-function DIR] [--export-every MS] [--unsampled]
 *                             [--no-sampled] [--traced-env NAME=VALUE,...] [--compare-env NAME=VALUE,...]
 *                             [--freeze on|off|both]
 *
 * Whether metrics and traces keep the function within the budget (3%): the same packaged function in
 * variants, each with its own local stack and warm environments (the same number), held to the memory
 * and CPU Lambda gives the memory size, every AWS call delayed by a simulated round trip:
 *   off              METRICS_ENABLED=false, no OTLP endpoint (no tracer at all): the reference
 *   off (again)      the same, in a stack and environments of its own: the control, which must show
 *                    no difference (its interval must include 1.0), else the run proves nothing
 *   metrics          one EMF line per invocation (leave out with --no-metrics-only)
 *   metrics+traces   EMF, and every invocation's spans exported to a local OTLP receiver (the default
 *                    batching: every 5 s or 512 spans; OTEL_TRACES_SAMPLER=always_on): the worst case
 *   metrics+traces, X-Ray sampling
 *                    the same without always_on, Lambda's trace header sent with each invocation as with
 *                    active tracing (X-Ray's default rule: 1 a second and 5% of the rest, seeded; the
 *                    function follows Sampled=1/0): what a user of tracing_config { mode = "Active" } pays
 *                    (leave out with --no-sampled)
 *   (--unsampled: "traces, none sampled": metrics off, the endpoint set, every header Sampled=0, to
 *   show what an invocation Lambda did not sample costs, and "off, Lambda's header": the same without
 *   the endpoint, to tell the header's part (the runtime sets _X_AMZN_TRACE_ID, the AWS SDK forwards
 *   it) from the endpoint's;
 *   --per-invocation: spans exported before each invocation returns; --no-collector: no receiver;
 *   --compare-function DIR: traced alike, with another build's function zip unpacked in DIR (with
 *   --unsampled, its unsampled variant too);
 *   --export-every MS: traced alike, spans exported every MS ms instead of 5 s;
 *   --traced-env NAME=VALUE,...: traced alike, with these variables added to the function's environment;
 *   --compare-env NAME=VALUE,...: these variables added to the other build's traced variant too)
 * Each round sends the same `--messages` (half adds, half reads of seeded products) to every variant at
 * the same time, so that the load of other processes on a shared machine falls alike on all of them
 * at every moment (with --sequential, one after the other in an ABBA order, reversed every other round
 * and rotated every two, so that a linear drift cancels: on a busy machine far noisier). The rounds
 * fall in `--epochs`, each with new stacks and environments for every variant (what is particular to
 * one set of environments, its JIT and heap, then falls on each variant in turn); the first `--warmup`
 * rounds of each epoch (cold starts, JIT warm-up) are not counted. Every variant has `--concurrency`
 * environments (4: at 128 MB, 4 variants × 4 × 7% of a vCPU stay well under two cores).
 * Per variant and round: the average REPORT duration (what the budget names) and the CPU time its
 * environments used per invocation (all threads, exited ones too: utime + stime of /proc/<pid>/stat, in
 * 10 ms ticks, so ± 10 ms per environment and reading; counted from the end of its previous block so
 * that work done between invocations, such as a timed export, is included; waiting for a CPU does not
 * inflate it, a busy sibling hyperthread does, alike for all variants at a time). Each is divided by
 * "off"'s of the same round. The verdict's unit is the epoch (rounds of an epoch share environments):
 * a paired t interval (95%) on the per-epoch log-ratios of the means; "within" if its upper bound is
 * ≤ 1 + budget, "over" if its lower bound is above it, "not proven" otherwise or when the control's
 * interval excludes 1. Printed beside it: the bootstrap of the ratio of the means over epochs (too few
 * to decide on), and the t interval over rounds (narrower: it leaves out the environments' part).
 * With fewer than 3 epochs the verdict is over rounds, t and bootstrap (10,000 resamples) agreeing.
 * --freeze: idle environments frozen as on Lambda (on, the default: the local Runtime API's own default,
 * local/runtime-api/freezing.ts), left running (off), or both: every variant twice, the second set
 * ", no freeze", each set with its own off and control and its ratios to its own off; the two sets run
 * one after the other in every round, in alternating order (AB BA ...), the variants of a set side by side.
 */
import { parseArgs } from "node:util"
import { seedProducts } from "../local/aws/seed.ts"
import type { InvocationRecord } from "../local/event-source/event-source-mapping.ts"
import { packagedFunction } from "../local/flow/packaged.ts"
import { sendBodies } from "../local/flow/send.ts"
import { type Session, startSession } from "../local/flow/session.ts"
import { usageOf } from "../local/flow/usage.ts"
import { emfCollector, summaryLines } from "../local/metrics/emf-summary.ts"
import { type AwsProxy, IN_REGION_ROUND_TRIP_MS } from "../local/proxy/aws-proxy.ts"
import { proxiedEndpoints } from "../local/proxy/proxied-endpoints.ts"
import { activeTracing, type LambdaTracing, SAMPLE_NOTHING } from "../local/runtime-api/active-tracing.ts"
import { STACK_DEFAULTS } from "../local/stack/defaults.ts"
import { startOtlpReceiver } from "../local/trace/otlp-receiver.ts"
import { settingsEnv } from "./layer-env.ts"
import {
  comparePaired,
  controlHolds,
  type Interval,
  type PairedComparison,
  roundOrder,
  verdictOf
} from "./paired-ratio.ts"
import { fmt, mean, percentile, table } from "./stats.ts"
import { processCpuMs } from "./thread-stats.ts"

const { values: args } = parseArgs({
  options: {
    memory: { type: "string", default: "128" },
    messages: { type: "string", default: "400" },
    rounds: { type: "string", default: "60" },
    warmup: { type: "string", default: "2" },
    epochs: { type: "string", default: "6" },
    budget: { type: "string", default: "3" },
    "no-metrics-only": { type: "boolean", default: false },
    sequential: { type: "boolean", default: false },
    latency: { type: "string", default: String(IN_REGION_ROUND_TRIP_MS) },
    concurrency: { type: "string", default: "4" },
    "per-invocation": { type: "boolean", default: false },
    "compare-function": { type: "string" },
    "export-every": { type: "string" },
    "traced-env": { type: "string" },
    "compare-env": { type: "string" },
    "no-collector": { type: "boolean", default: false },
    unsampled: { type: "boolean", default: false },
    "no-sampled": { type: "boolean", default: false },
    freeze: { type: "string", default: "on" },
    help: { type: "boolean", default: false }
  }
})
if (args.help) {
  console.log(usageOf(import.meta.path))
  process.exit(0)
}
const memoryMb = Number(args.memory)
const messages = Number(args.messages)
const rounds = Number(args.rounds)
const warmup = Number(args.warmup)
const epochs = Math.max(1, Math.min(rounds, Number(args.epochs)))
const budget = 1 + Number(args.budget) / 100
const latencyMs = Number(args.latency)
const concurrency = Number(args.concurrency)
if (!["on", "off", "both"].includes(args.freeze!)) throw new Error(`--freeze on, off or both, not ${args.freeze}`)
const freezeModes = args.freeze === "both" ? [true, false] : [args.freeze === "on"]

const shipped = await packagedFunction()
const receiver = startOtlpReceiver()
// The variants that follow Lambda's sampling export to receivers of their own: their spans counted apart.
const sampledReceiver = startOtlpReceiver()
const unsampledReceiver = startOtlpReceiver()
// An endpoint set, metrics off: what the unsampled variants run with (this build's and the other's).
const unsampledEnv = { METRICS_ENABLED: "false", OTEL_EXPORTER_OTLP_ENDPOINT: unsampledReceiver.url }
const tracedEnv = {
  METRICS_ENABLED: "true",
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_TRACES_SAMPLER: "always_on"
}
/** Trace headers sent and sampled, per variant that sends them (all rounds). */
const headerCounts = new Map<string, { sent: number; sampled: number }>()
/** Active tracing for one variant's stack: a new seeded sampler per epoch, its decisions counted. */
const countedTracing = (key: string, tracing: () => LambdaTracing) => (): LambdaTracing => {
  const inner = tracing()
  const counts = headerCounts.get(key) ?? { sent: 0, sampled: 0 }
  headerCounts.set(key, counts)
  return {
    nextTraceHeader: () => {
      const header = inner.nextTraceHeader()
      counts.sent++
      if (header.endsWith(";Sampled=1")) counts.sampled++
      return header
    }
  }
}
let epochSeed = 0
const SAMPLED_KEY = "metrics+traces, X-Ray sampling"
const UNSAMPLED_KEY = "traces, none sampled"
const HEADER_KEY = "off, Lambda's header"
const baseVariants: Array<{
  readonly key: string
  readonly env: Record<string, string>
  readonly taskRoot?: string
  /** Lambda's trace header for each invocation, as with active tracing. */
  readonly tracing?: () => LambdaTracing
}> = [
  { key: "off", env: { METRICS_ENABLED: "false" } },
  // The same as "off" in a stack and environments of its own: how far apart two identical variants land.
  { key: "off (again)", env: { METRICS_ENABLED: "false" } },
  ...(args["no-metrics-only"] ? [] : [{ key: "metrics", env: { METRICS_ENABLED: "true" } }]),
  { key: "metrics+traces", env: tracedEnv },
  // What tracing_config { mode = "Active" } gives: Lambda samples (X-Ray's default rule), the function follows.
  ...(args["no-sampled"] ? [] : [{
    key: SAMPLED_KEY,
    env: { METRICS_ENABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: sampledReceiver.url },
    tracing: countedTracing(SAMPLED_KEY, () => activeTracing({ seed: ++epochSeed }))
  }]),
  // An endpoint set but nothing sampled: what an invocation Lambda did not sample costs (against off).
  ...(args.unsampled
    ? [{
      key: HEADER_KEY,
      env: { METRICS_ENABLED: "false" },
      tracing: countedTracing(HEADER_KEY, () => activeTracing({ rule: SAMPLE_NOTHING }))
    }, {
      key: UNSAMPLED_KEY,
      env: unsampledEnv,
      tracing: countedTracing(UNSAMPLED_KEY, () => activeTracing({ rule: SAMPLE_NOTHING }))
    }]
    : []),
  // Another build of the function (an unpacked function zip), traced alike: a change measured side by side.
  ...(args["compare-function"]
    ? [{
      key: `metrics+traces, other build${args["compare-env"] ? `, ${args["compare-env"]}` : ""}`,
      env: { ...tracedEnv, ...settingsEnv(args["compare-env"]?.split(",") ?? []) },
      taskRoot: args["compare-function"]
    }]
    : []),
  // With --unsampled too: the other build's unsampled invocations (endpoint set, Sampled=0).
  ...(args["compare-function"] && args.unsampled
    ? [{
      key: `${UNSAMPLED_KEY}, other build`,
      env: unsampledEnv,
      taskRoot: args["compare-function"],
      tracing: () => activeTracing({ rule: SAMPLE_NOTHING })
    }]
    : []),
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
  // Traced alike with more settings (OTLP_EXPORT_CLIENT=fetch, say): a setting measured side by side.
  ...(args["traced-env"]
    ? [{
      key: `metrics+traces, ${args["traced-env"]}`,
      env: { ...tracedEnv, ...settingsEnv(args["traced-env"].split(",")) }
    }]
    : []),
  // Diagnostic: exported every `--export-every` ms instead of 5 s (fewer exports per invocation).
  ...(args["export-every"]
    ? [{
      key: `traces, export every ${Number(args["export-every"]) / 1000} s`,
      env: { ...tracedEnv, OTEL_BSP_SCHEDULE_DELAY: String(Number(args["export-every"])) }
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

/** Every variant once per freeze mode: with --freeze both, a second set keyed ", no freeze". */
const NO_FREEZE = ", no freeze"
const variants = freezeModes.flatMap((freeze, set) =>
  baseVariants.map((v) => ({ ...v, key: set > 0 ? `${v.key}${NO_FREEZE}` : v.key, freeze, set }))
)
const setSuffix = (set: number) => (set > 0 ? NO_FREEZE : "")

/**
 * CPU time (ns) the processes used so far, all their threads together, those that have exited too
 * (processCpuMs: utime + stime). Summing the live threads' schedstat instead loses the time of every
 * thread that exits between two readings (Bun's short-lived threads); a process gone counts 0.
 */
const cpuNs = (pids: Iterable<number>) => {
  let total = 0
  for (const pid of pids) total += processCpuMs(pid) * 1e6
  return total
}

interface Running {
  readonly key: string
  session: Session
  proxies: Array<AwsProxy>
  readonly invocations: Array<InvocationRecord>
  readonly emf: ReturnType<typeof emfCollector>
  /** Average REPORT duration per counted round. */
  readonly perRound: Array<number>
  readonly durations: Array<number>
  readonly pids: Set<number>
  /** CPU µs per invocation, per counted round. */
  readonly cpuPerRound: Array<number>
  /** The epoch (environments and stack of their own) of each counted round. */
  readonly epochOf: Array<number>
  /** The environments' CPU (ns) at the end of the variant's previous block. */
  cpuMark: number
  /** Its freeze mode's set (0: the first mode), whose off its ratios are to. */
  readonly set: number
}

const SEEDED = 500
type Variant = typeof variants[number]
/** A stack of its own (emulators, proxies, seeded table) and fresh environments for a variant. */
const startStack = async (v: Variant, into: Pick<Running, "invocations" | "emf" | "pids">) => {
  const { invocations, emf, pids } = into
  const proxies: Array<AwsProxy> = []
  const session = await startSession({
    prefix: `obs-${v.key.replace(/[^a-z]+/g, "-")}-${Date.now()}`,
    memoryMb,
    concurrency,
    batchSize: STACK_DEFAULTS.batchSize,
    batchingWindowSeconds: STACK_DEFAULTS.batchingWindowSeconds,
    timeoutSeconds: STACK_DEFAULTS.functionTimeoutSeconds,
    function: v.taskRoot === undefined ? shipped : { ...shipped, taskRoot: v.taskRoot },
    functionEnv: v.env,
    ...(v.tracing ? { tracing: v.tracing() } : {}),
    freeze: v.freeze,
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
  return { session, proxies }
}
const stopStack = async (r: Running) => {
  await r.session.close()
  await Promise.all(r.proxies.map((p) => p.stop()))
}

const running: Array<Running> = []
for (const v of variants) {
  const into = { invocations: [], emf: emfCollector(), pids: new Set<number>() }
  running.push({
    key: v.key,
    ...into,
    ...await startStack(v, into),
    perRound: [],
    durations: [],
    cpuPerRound: [],
    epochOf: [],
    cpuMark: 0,
    set: v.set
  })
}

const bodies = (round: number) =>
  Array.from(
    { length: messages },
    (_, i) =>
      i % 2 === 0
        ? JSON.stringify({ name: `r${round} product ${i}`, price: i % 100 })
        : JSON.stringify({ pk: `seed-${i % SEEDED}` })
  )

const startedAt = performance.now()
let round = 0
let counted = 0
try {
  for (let epoch = 0; epoch < epochs; epoch++) {
    if (epoch > 0) {
      // New stacks and environments: what is particular to one set of environments falls on another variant.
      for (const r of running) await stopStack(r)
      for (const [i, r] of running.entries()) {
        r.pids.clear()
        r.cpuMark = 0
        Object.assign(r, await startStack(variants[i]!, r))
      }
    }
    const inEpoch = Math.round((rounds * (epoch + 1)) / epochs) - Math.round((rounds * epoch) / epochs)
    for (let k = 0; k < warmup + inEpoch; k++, round++) await runRound(epoch, k >= warmup)
  }
} finally {
  for (const r of running) await stopStack(r)
  await receiver.stop()
  await sampledReceiver.stop()
  await unsampledReceiver.stop()
}

async function runRound(epoch: number, isCounted: boolean) {
  if (isCounted) counted++
  const roundLabel = `epoch ${epoch + 1}/${epochs} ${isCounted ? `round ${counted}/${rounds}` : "warm-up"}`
  const block = async (r: Running) => {
    const before = r.invocations.length
    await sendBodies(r.session.stack.endpoints.sqs, r.session.stack.inputQueueUrl, bodies(round))
    await r.session.mapping.drain()
    const durations = r.invocations.slice(before).map((i) => i.result.report.durationMs)
    // From the end of this variant's previous block: what its environments did in between counts too.
    const cpuNow = cpuNs(r.pids)
    const cpuUs = (cpuNow - r.cpuMark) / 1_000 / durations.length
    r.cpuMark = cpuNow
    if (isCounted) {
      r.perRound.push(mean(durations))
      r.durations.push(...durations)
      r.cpuPerRound.push(cpuUs)
      r.epochOf.push(epoch)
    }
    process.stderr.write(
      `${roundLabel.padEnd(26)} ${r.key.padEnd(22)} ${durations.length} invocations, average ${
        fmt(mean(durations), 2)
      } ms, CPU ${fmt(cpuUs, 0)} µs each\n`
    )
  }
  // The freeze modes' sets one after the other, in alternating order; a set's variants side by side.
  const sets = freezeModes.map((_, set) => running.filter((r) => r.set === set))
  for (const set of round % 2 === 0 ? sets : sets.toReversed()) {
    const order = roundOrder(set.length, round).map((i) => set[i]!)
    if (args.sequential) {
      for (const r of order) await block(r)
    } else {
      await Promise.all(order.map(block))
    }
  }
  if (isCounted) {
    for (const set of sets) {
      const off = set[0]!
      const i = off.perRound.length - 1
      process.stderr.write(
        `${"".padEnd(26)} ratios to ${off.key}: ${
          set.slice(1).map((r) => `${r.key} ${fmt(r.perRound[i]! / off.perRound[i]!, 3)}`).join(", ")
        }\n`
      )
    }
  }
}
const elapsedMin = (performance.now() - startedAt) / 60_000

/** A variant's reference: the off of its freeze mode's set; the control is that set's second variant. */
const offOf = (r: Running) => running.find((o) => o.set === r.set)!
const isControl = (r: Running) => running.filter((o) => o.set === r.set)[1] === r
const interval = (i: Interval) => `${fmt(i.estimate, 3)} [${fmt(i.lower, 3)}, ${fmt(i.upper, 3)}]`
const spread = (c: PairedComparison) => `${fmt(Math.min(...c.ratios), 3)} – ${fmt(Math.max(...c.ratios), 3)}`
/** A variant's values averaged per epoch: the unit of the verdict, since rounds of an epoch share environments. */
const perEpoch = (r: Running, values: ReadonlyArray<number>) =>
  Array.from({ length: epochs }, (_, e) => mean(values.filter((_, i) => r.epochOf[i] === e)))
// With 3 epochs or more, the intervals are over epochs (each a fresh set of stacks and environments);
// over rounds they would leave out what differs between two sets of environments of the same code.
// A bootstrap over a handful of epochs has too few distinct resamples to be an interval: then the
// verdict and the control rest on the t interval alone (the bootstrap is printed for information).
const byEpoch = epochs >= 3
/** `a` against `b` on one measure, paired: over epochs when there are enough of them, else over rounds. */
const paired = (a: Running, b: Running, measure: (r: Running) => ReadonlyArray<number>) =>
  byEpoch
    ? comparePaired(perEpoch(a, measure(a)), perEpoch(b, measure(b)), budget)
    : comparePaired(measure(a), measure(b), budget)
const compare = (measure: (r: Running) => ReadonlyArray<number>) =>
  running.filter((r) => offOf(r) !== r).map((r) => {
    const off = offOf(r)
    const c = paired(r, off, measure)
    return {
      r,
      rounds: comparePaired(measure(r), measure(off), budget),
      c,
      verdict: byEpoch ? verdictOf(c.logT, budget) : c.verdict,
      holds: controlHolds(c.logT) && (byEpoch || controlHolds(c.bootstrap))
    }
  })
const duration = compare((r) => r.perRound)
const cpu = compare((r) => r.cpuPerRound)

console.log(
  `\nObservability overhead at ${memoryMb} MB: ${rounds} rounds in ${epochs} epochs (each with new stacks and ` +
    `environments, after ${warmup} warm-up rounds) of ${messages} messages ` +
    `per variant (half adds, half reads), ${concurrency} environments per variant, ${latencyMs} ms per AWS call, ` +
    `packaged function, variants ${args.sequential ? "one after the other in ABBA order" : "side by side"}${
      freezeModes.length > 1 ? ", idle environments frozen and not frozen (sets in AB BA order)" : ""
    }${
      freezeModes.length === 1 && !freezeModes[0] ? ", idle environments NOT frozen (--freeze off)" : ""
    }; ${receiver.spans().length} spans received; ${fmt(elapsedMin, 1)} min of rounds.\n`
)
console.log(table(
  ["variant", "invocations", "avg ms", "p50 ms", "p99 ms", "CPU µs / inv"],
  running.map((r) => [
    r.key,
    String(r.durations.length),
    fmt(mean(r.durations), 2),
    fmt(percentile(r.durations, 50), 2),
    fmt(percentile(r.durations, 99), 2),
    fmt(mean(r.cpuPerRound), 0)
  ])
))
for (const [title, rows] of [["average REPORT duration", duration], ["CPU per invocation", cpu]] as const) {
  console.log(
    `\n${title} / off (of the same freeze mode), paired, 95% intervals over ${
      byEpoch ? `${epochs} epochs` : `${rounds} rounds`
    }` +
      ` (the verdict's; over rounds, for comparison, in the third column), budget ≤ ${fmt(budget, 2)}:\n`
  )
  console.log(table(
    [
      "variant",
      "per-round min – max",
      "over rounds: geometric mean [t]",
      "geometric mean [paired t on logs]",
      "ratio of means [bootstrap]",
      "verdict"
    ],
    rows.map(({ c, r, rounds, verdict, holds }) => [
      r.key,
      spread(rounds),
      interval(rounds.logT),
      interval(c.logT),
      interval(c.bootstrap),
      isControl(r) ? (holds ? "control holds" : "CONTROL FAILS") : verdict
    ])
  ))
}
{
  // What a traced invocation exports, by span name (all traced variants and rounds together).
  const names = new Map<string, number>()
  for (const s of receiver.spans()) names.set(s.name, (names.get(s.name) ?? 0) + 1)
  const roots = names.get("handleEvent") ?? 0
  console.log(
    `\nspans per traced invocation: ${fmt(receiver.spans().length / roots, 1)} (${
      [...names].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ${fmt(c / roots, 1)}`).join(", ")
    })`
  )
}
for (const [key, spans] of [[SAMPLED_KEY, sampledReceiver], [UNSAMPLED_KEY, unsampledReceiver]] as const) {
  const counts = headerCounts.get(key)
  if (!counts) continue
  const roots = spans.spans().filter((s) => s.name === "handleEvent").length
  console.log(
    `\n${key}: ${counts.sampled} of ${counts.sent} invocations sampled by Lambda's rule (${
      fmt((100 * counts.sampled) / Math.max(1, counts.sent), 1)
    }%, all rounds), ${roots} of them exported (${spans.spans().length} spans)` +
      (key === UNSAMPLED_KEY && spans.spans().length > 0 ? ": UNSAMPLED INVOCATIONS EXPORTED SPANS" : "")
  )
}
for (const r of running.filter((r) => offOf(r) !== r && !isControl(r))) {
  console.log(`\n${r.key} (function's own metrics, all rounds):\n  ${summaryLines(r.emf.totals()).join("\n  ")}`)
}

// A change measured side by side: this build against the other one, both traced (and both unsampled).
// With --compare-env, the other build's traced variant runs with those settings: set beside --traced-env's.
const comparedKey = (key: string) =>
  key === "metrics+traces" && args["compare-env"] ? `${key}, ${args["traced-env"] ?? ""}` : key
for (const key of ["metrics+traces", UNSAMPLED_KEY]) {
  const other = running.find((r) => r.key.startsWith(`${key}, other build`))
  const thisBuild = running.find((r) => r.key === comparedKey(key))
  if (!other || !thisBuild) continue
  const d = paired(thisBuild, other, (r) => r.perRound)
  const c = paired(thisBuild, other, (r) => r.cpuPerRound)
  console.log(
    `\nthis build / other build, ${other.key.replace(", other build", "")}: duration ${interval(d.logT)}, ${
      interval(d.bootstrap)
    }; ` +
      `CPU per invocation ${interval(c.logT)}, ${interval(c.bootstrap)}`
  )
}

// With --freeze both: what freezing itself does to each variant (frozen / not frozen; the sets alternate in
// every round, so a round pairs them, and an epoch's environments are new for both).
if (freezeModes.length > 1) {
  console.log(
    `\nfrozen / not frozen, the same variant, paired over ${byEpoch ? `${epochs} epochs` : `${rounds} rounds`}:`
  )
  for (const frozen of running.filter((r) => r.set === 0)) {
    const free = running.find((r) => r.key === `${frozen.key}${NO_FREEZE}`)
    if (!free) continue
    const d = paired(frozen, free, (r) => r.perRound)
    const c = paired(frozen, free, (r) => r.cpuPerRound)
    console.log(
      `  ${frozen.key}: duration ${interval(d.logT)}, ${interval(d.bootstrap)}; CPU per invocation ${
        interval(c.logT)
      }, ${interval(c.bootstrap)}`
    )
  }
}

// The verdicts the budget asks for: metrics and traces together against off, on the average duration; for
// every invocation traced (the worst case) and for Lambda's own sampling (what active tracing costs).
const words = { within: `within ${args.budget}%`, over: `over ${args.budget}%`, "not proven": "not proven" } as const
for (const set of freezeModes.keys()) {
  const control = duration.find(({ r }) => r.set === set && isControl(r))!
  const controlDuration = control.c
  const controlOk = control.holds
  console.log(
    `\ncontrol, off (again) vs off${setSuffix(set)}: ${interval(controlDuration.logT)}, ${
      interval(controlDuration.bootstrap)
    }: ${controlOk ? "includes 1.0" : "EXCLUDES 1.0, so this run proves nothing"}`
  )
  for (
    const [base, what] of [
      ["metrics", "EMF metrics alone"],
      ["metrics+traces", "every invocation traced (always_on): the worst case"],
      [SAMPLED_KEY, "Lambda's sampling, X-Ray's default rule: what active tracing costs"],
      [UNSAMPLED_KEY, "an endpoint, nothing sampled, metrics off: must cost what off does"],
      [HEADER_KEY, "no endpoint, Lambda's header Sampled=0 on every invocation"]
    ] as const
  ) {
    const key = `${base}${setSuffix(set)}`
    const traced = duration.find(({ r }) => r.key === key)
    const tracedCpu = cpu.find(({ r }) => r.key === key)
    if (!traced || !tracedCpu) continue
    const verdict = controlOk ? traced.verdict : "not proven"
    console.log(
      `VERDICT, ${key} vs off (${what}), average REPORT duration: ${words[verdict]}` +
        ` (geometric mean ${interval(traced.c.logT)}, ratio of means ${interval(traced.c.bootstrap)}, budget ${
          fmt(budget, 2)
        })` +
        `\n  CPU per invocation: ${words[tracedCpu.verdict]} (${interval(tracedCpu.c.logT)}, ${
          interval(tracedCpu.c.bootstrap)
        })`
    )
  }
}
