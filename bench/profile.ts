/**
 * bun bench/profile.ts [--memory 1024] [--messages 1000] [--cases read] [--node 24.21.0] [--top 25]
 * bun bench/profile.ts --threads [--memory 1024] [--messages 4000] [--cases read,add] [--rounds 2]
 *                      [--concurrency 10] [--variants bun,bun:BUN_JSC_useConcurrentJIT=true,node] [--no-priority]
 *                      [--window 250] [--warmup-messages 1000]
 *
 * CPU profiles of the function in its environment: one environment (the memory size's CPU share)
 * drains the messages, once on Bun (bun --cpu-prof via BUN_OPTIONS) and once on Node.js +
 * aws-lambda-ric (the inspector's profiler); prints the self time by package and the top functions
 * of each, side by side.
 *
 * With --threads, no profiler: the time outside the JavaScript samples. Each variant (bun; node;
 * bun:NAME=VALUE:... for Bun with extra function environment) drains the messages through
 * --concurrency environments, the variants interleaved for --rounds rounds (ABC, then CBA). Per warm
 * invocation (from each environment's second on): duration and own time (duration - wait on AWS, as
 * bun run bench measures it), and Linux's counters of every thread of the environments: CPU, time
 * waiting for a CPU (run queue), voluntary and involuntary context switches; minor page faults, and
 * the CFS periods the cgroup was throttled in (bench/thread-stats.ts). As in bun run bench, the
 * environments' groups and this process weigh 10x other work on the machine (--no-priority: not).
 * --window N adds, per variant, the same per window of N warm invocations of each environment (its
 * invocations 2 to N+1, N+2 to 2N+1...; bench/invocation-windows.ts), with the JavaScript (main) thread's
 * CPU and JavaScriptCore's compiler threads' (JITWorker) apart and the window's Max Memory Used: how a
 * setting fares over a long-lived environment's life (e.g. --concurrency 1 --messages 30000, 3,000
 * invocations of one environment per variant). A first, uncounted run warms the emulators with
 * --warmup-messages (all the messages unless given).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { packagedFunction } from "../local/flow/packaged.ts"
import { startSession } from "../local/flow/session.ts"
import { usageOf } from "../local/flow/usage.ts"
import { type AwsProxy, IN_REGION_ROUND_TRIP_MS } from "../local/proxy/aws-proxy.ts"
import { proxiedEndpoints } from "../local/proxy/proxied-endpoints.ts"
import { STACK_DEFAULTS } from "../local/stack/defaults.ts"
import { addWindows, InvocationWindows, type WindowTotals } from "./invocation-windows.ts"
import { settingsEnv } from "./layer-env.ts"
import { EnvironmentCounters } from "./load/contention.ts"
import { seedWorkload, sendWorkload } from "./load/workload.ts"
import { NODE_VERSIONS, nodeBinary } from "./node-binary.ts"
import { bundleForNode, setupNodeRic } from "./node-ric.ts"
import { AwsWaits } from "./own-time.ts"
import { prioritiseBenchmark } from "./pinning.ts"
import { fmt, mean, percentile, table } from "./stats.ts"
import { type ProcessCounters, sum, total } from "./thread-stats.ts"

const ROOT = resolve(import.meta.dir, "..")
const { values: args } = parseArgs({
  options: {
    memory: { type: "string", default: String(STACK_DEFAULTS.memorySizeMb) },
    messages: { type: "string" },
    cases: { type: "string", default: "read" },
    node: { type: "string", default: NODE_VERSIONS.at(-1) },
    top: { type: "string", default: "25" },
    only: { type: "string" },
    verbose: { type: "boolean", default: false },
    threads: { type: "boolean", default: false },
    rounds: { type: "string", default: "2" },
    concurrency: { type: "string", default: "10" },
    variants: { type: "string", default: "bun,node" },
    "no-priority": { type: "boolean", default: false },
    window: { type: "string" },
    "warmup-messages": { type: "string" },
    help: { type: "boolean" }
  }
})
if (args.help) {
  console.log(usageOf(import.meta.path))
  process.exit(0)
}
const memoryMb = Number(args.memory)
const messages = Number(args.messages ?? (args.threads ? 4000 : 1000))
if (args.threads) {
  await threadsMode()
  process.exit(0)
}

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}
interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
}

/** Where a frame's code comes from: a package under node_modules, the handler, the runtime, or native. */
const origin = (url: string): string => {
  if (!url) return "(native / VM)"
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]
  if (pkg) return pkg
  if (url.startsWith("node:") || !url.includes("/")) return `(runtime ${url.split("/")[0]})`
  return url.replace(/^.*\//, "")
}

/**
 * Self time (ms) by origin and by function, excluding idle: samples × the 1 ms sampling interval.
 * (JSC's timeDeltas span the idle gaps between samples, so counting samples is the fair measure.)
 */
const selfTimes = (profile: CpuProfile) => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const byOrigin = new Map<string, number>()
  const byFunction = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id) => {
    const node = byId.get(id)
    const ms = 1
    if (!node || node.callFrame.functionName === "(idle)" || node.callFrame.functionName === "(program)") return
    total += ms
    const o = origin(node.callFrame.url)
    byOrigin.set(o, (byOrigin.get(o) ?? 0) + ms)
    const f = `${node.callFrame.functionName || "(anonymous)"} ${o}:${node.callFrame.lineNumber}`
    byFunction.set(f, (byFunction.get(f) ?? 0) + ms)
  })
  return { total, byOrigin, byFunction }
}

const NODE_PROFILER = (dir: string) => `
import { Session } from "node:inspector"
import { existsSync, writeFileSync } from "node:fs"
const session = new Session()
session.connect()
session.post("Profiler.setSamplingInterval", { interval: 1000 }) // as bun --cpu-prof's
session.post("Profiler.enable", () => session.post("Profiler.start"))
const timer = setInterval(() => {
  if (!existsSync(${JSON.stringify(join(dir, "stop"))})) return
  clearInterval(timer)
  session.post("Profiler.stop", (error, { profile }) =>
    writeFileSync(${JSON.stringify(join(dir, "node.cpuprofile"))}, JSON.stringify(profile)))
}, 20)
timer.unref()
`

const shipped = await packagedFunction()
const variants = [
  {
    key: "bun",
    fn: { ...shipped, handler: "handler.handler" },
    env: (dir: string) => ({ BUN_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir}` })
  },
  {
    key: "node",
    fn: {
      taskRoot: bundleForNode(ROOT),
      handler: "handler.handler",
      bootstrap: setupNodeRic(ROOT, nodeBinary(ROOT, args.node!))
    },
    // aws-lambda-ric waits for the next event in native code, where no signal handler runs: the
    // profiler is driven from inside instead, and stops at an invocation after the stop file appears.
    env: (dir: string) => {
      writeFileSync(join(dir, "profile.mjs"), NODE_PROFILER(dir))
      return { NODE_OPTIONS: `--import=${join(dir, "profile.mjs")}` }
    }
  }
]

for (const kind of args.cases!.split(",") as Array<"add" | "read">) {
  const summaries: Array<{ key: string; invocations: number } & ReturnType<typeof selfTimes>> = []
  for (const variant of variants.filter((v) => !args.only || v.key === args.only)) {
    const dir = mkdtempSync(join(tmpdir(), `profile-${variant.key}-`))
    let invocations = 0
    const session = await startSession({
      prefix: `profile-${kind}-${variant.key}-${Date.now()}`,
      memoryMb,
      concurrency: 1,
      batchSize: STACK_DEFAULTS.batchSize,
      batchingWindowSeconds: STACK_DEFAULTS.batchingWindowSeconds,
      timeoutSeconds: STACK_DEFAULTS.functionTimeoutSeconds,
      function: variant.fn,
      functionEnv: variant.env(dir),
      onInvocation: () => void invocations++,
      ...(args.verbose ? { onLog: (line: string) => console.error(line) } : {}),
      functionEndpoints: (stack) => proxiedEndpoints(stack, { latencyMs: IN_REGION_ROUND_TRIP_MS })
    })
    const { stack } = session
    const seeded = await seedWorkload(stack, kind, messages)
    await sendWorkload(stack, kind, 0, messages, seeded)
    await session.mapping.drain()
    if (variant.key === "node") {
      // Wake the runtime with a few more batches so that its profiler sees the stop file.
      writeFileSync(join(dir, "stop"), "")
      for (let i = 0; i < 20 && !readdirSync(dir).some((f) => f.endsWith(".cpuprofile")); i++) {
        await sendWorkload(stack, kind, messages + i * 10, 10, seeded)
        await session.mapping.drain()
        await Bun.sleep(200)
      }
    }
    const env = await session.pool.acquire()
    await env.shutdown(10_000)
    await session.close()
    const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"))
    if (!file) throw new Error(`${variant.key}: no profile written in ${dir}`)
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile
    summaries.push({ key: variant.key, invocations, ...selfTimes(profile) })
    console.log(`${kind} ${memoryMb} MB ${variant.key}: ${invocations} invocations, profile ${join(dir, file)}`)
  }
  const top = Number(args.top)
  console.log(`\n## ${kind}, ${memoryMb} MB: self time per invocation (ms), init included\n`)
  const origins = [...new Set(summaries.flatMap((s) => [...s.byOrigin.keys()]))]
    .sort((a, b) => (summaries[0]!.byOrigin.get(b) ?? 0) - (summaries[0]!.byOrigin.get(a) ?? 0)).slice(0, top)
  console.log(table(["origin", ...summaries.map((s) => s.key)], [
    ["(total)", ...summaries.map((s) => fmt(s.total / s.invocations, 3))],
    ...origins.map((o) => [o, ...summaries.map((s) => fmt((s.byOrigin.get(o) ?? 0) / s.invocations, 3))])
  ]))
  for (const s of summaries) {
    console.log(`\n### ${s.key}: top functions (ms per invocation)\n`)
    const fns = [...s.byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)
    console.log(table(["function", "ms"], fns.map(([f, ms]) => [f.slice(0, 100), fmt(ms / s.invocations, 3)])))
  }
}
process.exit(0)

async function threadsMode() {
  const prioritise = !args["no-priority"]
  console.error(prioritise ? prioritiseBenchmark() : "not prioritised (--no-priority)")
  const shippedFn = { ...(await packagedFunction()), handler: "handler.handler" }
  const nodeFn = {
    taskRoot: bundleForNode(ROOT),
    handler: "handler.handler",
    bootstrap: setupNodeRic(ROOT, nodeBinary(ROOT, args.node!))
  }
  const variantsOf = args.variants!.split(",").map((spec) => {
    const [key, ...settings] = spec.split(":")
    return { spec, fn: key === "node" ? nodeFn : shippedFn, env: settingsEnv(settings) }
  })
  const windowSize = args.window === undefined ? undefined : Number(args.window)
  const runs = new Map<
    string,
    Array<{ durations: Array<number>; own: Array<number>; counters: ProcessCounters; windows: Array<WindowTotals> }>
  >()
  const runOne = async (kind: "add" | "read", variant: (typeof variantsOf)[number], count = messages) => {
    const durations: Array<number> = []
    const own: Array<number> = []
    const waits = new AwsWaits()
    const proxies: Array<AwsProxy> = []
    // Per environment process: its counters from its second dispatch on (the cold start left out).
    const environments = new EnvironmentCounters()
    const windows = windowSize === undefined ? undefined : new InvocationWindows(windowSize)
    const session = await startSession({
      prefix: `threads-${kind}-${Date.now()}`,
      memoryMb,
      concurrency: Number(args.concurrency),
      batchSize: 10,
      batchingWindowSeconds: 0,
      timeoutSeconds: 30,
      function: variant.fn,
      functionEnv: variant.env,
      prioritiseEnvironments: prioritise,
      onDispatch: (env) => {
        environments.dispatch(env.pid)
        windows?.dispatch(env.pid)
      },
      onInvocation: (r) => {
        const waited = waits.waited(r.environmentId, r.startedAt, r.endedAt)
        const { durationMs, maxMemoryUsedMb } = r.result.report
        windows?.invocation(r.environmentId, r.coldStart, { durationMs, ownMs: durationMs - waited, maxMemoryUsedMb })
        // The cold start's invocation is left out, as the counters leave it out.
        if (r.result.report.initDurationMs !== undefined) return
        durations.push(r.result.report.durationMs)
        own.push(r.result.report.durationMs - waited)
      },
      // Proxies per environment: each call is timed and belongs to that environment's invocation.
      environmentEndpoints: (stack, id) =>
        proxiedEndpoints(stack, {
          latencyMs: IN_REGION_ROUND_TRIP_MS,
          onTiming: (start, end) => waits.record(id, start, end)
        }, proxies)
    })
    try {
      const { stack } = session
      await sendWorkload(stack, kind, 0, count, await seedWorkload(stack, kind, count))
      await session.mapping.drain()
      const counters = environments.warmCounters()
      const key = `${kind} ${variant.spec}`
      runs.set(key, [...(runs.get(key) ?? []), { durations, own, counters, windows: windows?.windows() ?? [] }])
      console.error(`${key}: avg ${fmt(mean(durations), 2)} ms, own ${fmt(mean(own), 2)} ms`)
    } finally {
      await session.close()
      await Promise.all(proxies.map((p) => p.stop()))
    }
  }
  for (const kind of args.cases!.split(",") as Array<"add" | "read">) {
    await runOne(kind, variantsOf[0]!, Number(args["warmup-messages"] ?? messages)) // warms the emulators; not counted
    runs.clear()
    for (let round = 0; round < Number(args.rounds); round++) {
      for (const variant of round % 2 === 0 ? variantsOf : [...variantsOf].reverse()) await runOne(kind, variant)
    }
    const rows: Array<Array<string>> = []
    for (const [key, list] of runs) {
      const durations = list.flatMap((r) => r.durations)
      const own = list.flatMap((r) => r.own)
      const n = durations.length
      const counters = sum(list.map((r) => r.counters))
      const all = total(counters)
      const per = (x: number, digits = 2) => fmt(x / n, digits)
      rows.push([
        key,
        fmt(mean(durations), 2),
        fmt(percentile(durations, 50), 2),
        fmt(mean(own), 2),
        fmt(percentile(own, 50), 2),
        per(all.cpuMs),
        per(all.runQueueMs),
        per(all.voluntary, 1),
        per(all.involuntary, 1),
        per(counters.minorFaults, 0),
        per(counters.throttledPeriods),
        per(counters.throttledMs)
      ])
      const threads = [...counters.threads].sort((a, b) => b[1].cpuMs - a[1].cpuMs)
      for (const [name, t] of threads.filter(([, t]) => t.cpuMs / n >= 0.01)) {
        rows.push([
          `  thread ${name}`,
          "",
          "",
          "",
          "",
          per(t.cpuMs),
          per(t.runQueueMs),
          per(t.voluntary, 1),
          per(t.involuntary, 1),
          "",
          "",
          ""
        ])
      }
    }
    console.log(`\n## ${kind}, ${memoryMb} MB, per warm invocation, ${args.rounds} rounds interleaved\n`)
    console.log(table([
      "variant",
      "avg ms",
      "p50 ms",
      "own avg ms",
      "own p50 ms",
      "CPU ms",
      "run queue ms",
      "voluntary cs",
      "involuntary cs",
      "minor faults",
      "throttled periods",
      "throttled ms"
    ], rows))
    if (windowSize !== undefined) printWindows(kind, windowSize, runs)
  }
}

/** Per window of warm invocations, the variants one under the other, per invocation of the window. */
function printWindows(
  kind: string,
  size: number,
  runs: ReadonlyMap<string, ReadonlyArray<{ readonly windows: ReadonlyArray<WindowTotals> }>>
) {
  const byVariant = [...runs].map(([key, list]) => [key, addWindows(list.map((r) => r.windows))] as const)
  const rows: Array<Array<string>> = []
  const longest = Math.max(0, ...byVariant.map(([, w]) => w.length))
  for (let i = 0; i < longest; i++) {
    for (const [key, windows] of byVariant) {
      const w = windows[i]
      if (!w || w.invocations === 0) continue
      const per = (x: number) => fmt(x / w.invocations, 2)
      const live = total(w.counters).cpuMs
      // JavaScriptCore's compiler threads: what the process ran beyond its other threads (a JIT worker
      // that exited in the window is in the process's CPU only); Node.js compiles on its V8 workers.
      const others = live - w.mainThreadCpuMs - (w.counters.threads.get("JITWorker")?.cpuMs ?? 0)
      const isNode = key.endsWith(" node")
      const jit = isNode ? 0 : Math.max(0, w.processCpuMs - w.mainThreadCpuMs - others)
      const all = isNode ? live : w.mainThreadCpuMs + others + jit
      rows.push([
        `${2 + i * size}-${1 + (i + 1) * size}`,
        key,
        String(w.invocations),
        per(w.durationMs),
        per(w.ownMs),
        per(all),
        per(w.mainThreadCpuMs),
        per(jit),
        per(others),
        fmt(w.maxMemoryMb, 0)
      ])
    }
  }
  // n: the window's invocations, all environments and rounds (the last window may be short).
  console.log(`\n## ${kind}, ${memoryMb} MB, per window of ${size} warm invocations of each environment\n`)
  console.log(table([
    "invocations",
    "variant",
    "n",
    "avg ms",
    "own avg ms",
    "CPU ms",
    "main thread ms",
    "JIT threads ms",
    "other threads ms",
    "max memory MB"
  ], rows))
}
