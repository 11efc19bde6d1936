/**
 * bun run bench:runtime [--invocations 10000] [--cold-starts 10] [--cold-cache-starts 3]
 *                       [--bun-variants NAME=VALUE[:NAME=VALUE],...] [--bun-baseline REF]
 *                       [--node 20.20.2,22.23.3,24.21.0 | none]
 *
 * Our Bun runtime layer (the built layer zip) against Node.js 20, 22 and 24 (npm's official
 * binaries, pinned in bench/node-binary.ts), each with AWS's runtime interface client (aws-lambda-ric),
 * all on the local Runtime API, side by side in one run:
 *  - cold start: spawning the bootstrap to its first GET /next, with the product handler bundle
 *    loaded and its clients built and primed; and the runtime alone (an echo handler);
 *  - cold start with a cold page cache: the runtime's files evicted first, then what it read from
 *    disk (resident pages by fincore, read-ahead included) and what the process mapped itself;
 *  - per-invocation overhead: an echo handler, N invocations, time from event delivery to response,
 *    the environments interleaved in blocks of 500; the CPU time (all threads) and the context
 *    switches of the runtime's process per invocation (bench/thread-stats.ts);
 *  - resident memory after those invocations.
 * --bun-variants adds the same layer with extra function environment, e.g. BUN_RUNTIME_API_CLIENT=fetch
 * (the runtime's fetch client beside its socket one). --bun-baseline REF adds the layer as a git ref has it
 * (its runtime/ and shared/ bundled as the build bundles them, beside this layer's bun): the layer's code
 * before and after a change, side by side in one run.
 */
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { packagedFunction } from "../local/flow/packaged.ts"
import { ExecutionEnvironment } from "../local/runtime-api/environment.ts"
import { processMemoryKb } from "../local/runtime-api/report.ts"
import { STACK_DEFAULTS } from "../local/stack/defaults.ts"
import { bundle } from "../scripts/build/bundle.ts"
import { ENV } from "../src/config.ts"
import { layerAtRef } from "./layer-at-ref.ts"
import { settingsEnv } from "./layer-env.ts"
import { NODE_VERSIONS, nodeBinary } from "./node-binary.ts"
import { bundleForNode, setupNodeRic } from "./node-ric.ts"
import { evict, mappedBytes, pageCacheToolsAvailable, readAheadKb, residentBytes } from "./page-cache.ts"
import { fmt, mean, median, percentile, table } from "./stats.ts"
import { between, processCounters, total } from "./thread-stats.ts"

const { values: args } = parseArgs({
  options: {
    invocations: { type: "string", default: "10000" },
    "cold-starts": { type: "string", default: "10" },
    "cold-cache-starts": { type: "string", default: "3" },
    "bun-variants": { type: "string", default: "" },
    "bun-baseline": { type: "string" },
    node: { type: "string", default: NODE_VERSIONS.join(",") },
    help: { type: "boolean" }
  }
})
if (args.help) {
  console.log(
    "bun run bench:runtime [--invocations 10000] [--cold-starts 10] [--cold-cache-starts 3] " +
      "[--bun-variants NAME=VALUE[:NAME=VALUE],...] [--bun-baseline REF] [--node VERSION,... | none]"
  )
  process.exit(0)
}
const invocations = Number(args.invocations)
const coldStarts = Number(args["cold-starts"])
const coldCacheStarts = Number(args["cold-cache-starts"])
const root = resolve(import.meta.dir, "..")

console.log("building the layer and the function…")
const shipped = await packagedFunction()
writeFileSync(join(shipped.taskRoot, "echo.js"), "exports.handler = async (event) => event\n")
const layerDir = dirname(shipped.bootstrap)

// Node gets the same handler, bundled for Node (ESM), and the same echo handler.
const nodeTask = bundleForNode(root)
writeFileSync(join(nodeTask, "echo.mjs"), "export const handler = async (event) => event\n")
console.log("setting up Node.js and aws-lambda-ric…")
const ricDir = join(root, ".cache", "node-ric", "node_modules", "aws-lambda-ric")
const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))

interface Runtime {
  readonly name: string
  readonly bootstrap: string
  readonly taskRoot: string
  /** The runtime's own executable, and everything else it may read at a cold start (runtime, bundles). */
  readonly binary: string
  readonly files: ReadonlyArray<string>
  /** Extra function environment (a Bun variant). */
  readonly env?: Record<string, string>
}
const bun: Runtime = {
  name: `Bun ${Bun.version} (this layer)`,
  bootstrap: shipped.bootstrap,
  taskRoot: shipped.taskRoot,
  binary: join(layerDir, "bun"),
  // function.zip whole: the packages loaded only when needed (node_modules/) count if they are read.
  files: [...filesUnder(layerDir).filter((f) => !f.endsWith("/bun")), ...filesUnder(shipped.taskRoot)]
}
const bunVariants: Array<Runtime> = args["bun-variants"]!.split(",").filter((v) => v !== "").map((spec) => ({
  ...bun,
  name: `Bun ${Bun.version} (${spec.replaceAll(":", " ")})`,
  env: settingsEnv(spec.split(":"))
}))
const baselineWork = args["bun-baseline"] ? mkdtempSync(join(tmpdir(), "runtime-bench-baseline-")) : undefined
const bunBaselines: Array<Runtime> = []
if (args["bun-baseline"] && baselineWork) {
  // The ref's layer: its bootstrap and its runtime.js (and bytecode) bundled as scripts/build.ts bundles them.
  const ref = args["bun-baseline"]
  const sources = join(layerAtRef(root, ref, baselineWork), "runtime")
  for (const file of await bundle(join(sources, "src/main.ts"), "runtime.js")) {
    await Bun.write(join(sources, file.name), file.data)
  }
  symlinkSync(join(layerDir, "bun"), join(sources, "bun"))
  bunBaselines.push({
    ...bun,
    name: `Bun ${Bun.version} (${ref})`,
    bootstrap: join(sources, "bootstrap"),
    files: [join(sources, "bootstrap"), join(sources, "runtime.js"), ...filesUnder(shipped.taskRoot)]
  })
}
const nodeVersions = args.node === "none" ? [] : args.node!.split(",")
const nodes: Array<Runtime> = nodeVersions.map((version) => {
  const node = nodeBinary(root, version)
  const bootstrap = setupNodeRic(root, node)
  return {
    name: `Node.js ${version} + aws-lambda-ric`,
    bootstrap,
    taskRoot: nodeTask,
    binary: node,
    files: [bootstrap, ...filesUnder(ricDir).filter((f) => !f.includes("/deps/")), join(nodeTask, "handler.mjs")]
  }
})
const runtimes = [bun, ...bunVariants, ...bunBaselines, ...nodes]

const functionEnv = {
  [ENV.tableName]: "bench",
  [ENV.outputQueueUrl]: "http://127.0.0.1:1/out",
  [ENV.deadLetterQueueUrl]: "http://127.0.0.1:1/dlq",
  AWS_LAMBDA_LOG_LEVEL: "ERROR"
}
const environment = (r: Runtime, handler = "handler.handler", timeoutMs?: number) =>
  new ExecutionEnvironment({
    bootstrap: r.bootstrap,
    taskRoot: r.taskRoot,
    handler,
    memorySizeMb: STACK_DEFAULTS.memorySizeMb,
    env: { ...functionEnv, ...r.env },
    timeoutMs
  })
const BLOCK = 500
const vmRssMb = async (pid: number | undefined) => ((await processMemoryKb(pid, "VmRSS")) ?? Number.NaN) / 1024
const MB = 1024 * 1024
const sum = (m: Map<string, number>, files: ReadonlyArray<string>) => files.reduce((s, f) => s + (m.get(f) ?? 0), 0)

console.log(`${coldStarts} cold starts each…`)
const cold = new Map<Runtime, Array<number>>(runtimes.map((r) => [r, []]))
// The runtime alone, with the echo handler: the rest of a cold start is the product handler's.
const coldEcho = new Map<Runtime, Array<number>>(runtimes.map((r) => [r, []]))
for (let i = 0; i < coldStarts; i++) {
  for (const r of runtimes) { // alternate so that machine noise hits all alike
    for (const [handler, into] of [["handler.handler", cold], ["echo.handler", coldEcho]] as const) {
      const env = environment(r, handler)
      await env.start()
      into.get(r)!.push(env.pendingInitDurationMs!)
      await env.stop()
    }
  }
}

interface ColdCache {
  readonly startMs: Array<number>
  binaryReadMb: number
  filesReadMb: number
  binaryMappedMb: number
}
const coldCache = new Map<Runtime, ColdCache>()
const measureColdCache = coldCacheStarts > 0 && pageCacheToolsAvailable()
if (measureColdCache) {
  console.log(`${coldCacheStarts} cold starts each with a cold page cache…`)
  for (let i = 0; i < coldCacheStarts; i++) {
    for (const r of runtimes) {
      const all = [r.binary, ...r.files]
      evict(all)
      const env = environment(r)
      await env.start()
      const startMs = env.pendingInitDurationMs!
      const mapped = mappedBytes(env.pid!, [r.binary])
      await env.stop()
      const resident = residentBytes(all)
      const c = coldCache.get(r) ?? { startMs: [], binaryReadMb: 0, filesReadMb: 0, binaryMappedMb: 0 }
      c.startMs.push(startMs)
      // The last start's figures: they are the same from one start to the next.
      c.binaryReadMb = sum(resident, [r.binary]) / MB
      c.filesReadMb = sum(resident, r.files) / MB
      c.binaryMappedMb = sum(mapped, [r.binary]) / MB
      coldCache.set(r, c)
    }
  }
}

console.log(`${invocations} echo invocations each, interleaved in blocks of ${BLOCK}…`)
interface Warm {
  readonly durations: Array<number>
  wallMs: number
  rssMb: number
  cpuMs: number
  switches: number
}
const warm = new Map<Runtime, Warm>()
const running = runtimes.map((r) => ({ r, env: environment(r, "echo.handler", 10_000) }))
for (const { r, env } of running) {
  for (let i = 0; i < 200; i++) await env.invoke({ warmup: i }) // JIT warm-up
  warm.set(r, { durations: [], wallMs: 0, rssMb: 0, cpuMs: 0, switches: 0 })
}
for (let done = 0; done < invocations; done += BLOCK) {
  for (const { r, env } of running) { // alternate so that machine noise hits all alike
    const w = warm.get(r)!
    const before = processCounters(env.pid!)
    const t0 = performance.now()
    for (let i = done; i < Math.min(invocations, done + BLOCK); i++) {
      const result = await env.invoke({ i, payload: "x".repeat(64) })
      if (result.status !== "success") throw new Error(`${r.name}: ${JSON.stringify(result)}`)
      w.durations.push(result.report.durationMs)
    }
    w.wallMs += performance.now() - t0
    const spent = total(between(before, processCounters(env.pid!)))
    w.cpuMs += spent.cpuMs
    w.switches += spent.voluntary + spent.involuntary
  }
}
for (const { r, env } of running) {
  warm.get(r)!.rssMb = await vmRssMb(env.pid)
  await env.stop()
}

const bunCold = median(cold.get(bun)!)
const bunOverhead = mean(warm.get(bun)!.durations)
const rows = runtimes.map((r) => {
  const c = cold.get(r)!
  const w = warm.get(r)!
  return [
    r.name,
    fmt(median(c)),
    fmt(percentile(c, 90)),
    r === bun ? "" : `${fmt(bunCold / median(c), 2)}x`,
    fmt(median(coldEcho.get(r)!)),
    fmt(mean(w.durations) * 1000, 0),
    fmt(percentile(w.durations, 99) * 1000, 0),
    fmt((w.wallMs / invocations) * 1000, 0),
    fmt((w.cpuMs / invocations) * 1000, 0),
    fmt(w.switches / invocations, 2),
    fmt(w.rssMb)
  ]
})
const counts = `${coldStarts} cold starts each (product handler), ${invocations} echo invocations each`
console.log(`\nRuntime benchmark: ${counts}, one run\n`)
const header = ["runtime", "cold start p50 ms", "cold p90 ms", "Bun / this", "runtime alone p50 ms"]
const perInvocation = ["overhead mean µs", "overhead p99 µs", "round trip µs", "CPU µs", "context switches"]
console.log(table([...header, ...perInvocation, "RSS after MB"], rows))
console.log("CPU µs, context switches: of the runtime's process, all threads, per echo invocation")

if (measureColdCache) {
  const ra = readAheadKb(bun.binary)
  const readAhead = `read-ahead of their disk: ${ra ?? "unknown"} KB`
  const starts = `${coldCacheStarts} starts each with the runtime's files evicted first`
  console.log(`\nCold page cache: ${starts} (${readAhead})\n`)
  console.log(table(
    [
      "runtime",
      "cold-cache start p50 ms",
      "binary MiB",
      "read: binary MiB",
      "read: runtime + bundles MiB",
      "read: total MiB",
      "binary mapped by the process MiB"
    ],
    runtimes.map((r) => {
      const c = coldCache.get(r)!
      const binaryMb = Bun.file(r.binary).size / MB
      const read = [fmt(c.binaryReadMb), fmt(c.filesReadMb, 2), fmt(c.binaryReadMb + c.filesReadMb)]
      return [r.name, fmt(median(c.startMs)), fmt(binaryMb), ...read, fmt(c.binaryMappedMb)]
    })
  ))
  console.log(
    "read: resident after the start (fincore), read-ahead included; " +
      "mapped: the process's own resident pages of its binary (smaps)"
  )
} else if (coldCacheStarts > 0) {
  console.log("\nCold page cache: NOT MEASURED (needs fincore from util-linux and GNU dd)")
}

console.log("")
const short = (r: Runtime) => r.name.replace(" + aws-lambda-ric", "")
for (const node of nodes) {
  const nodeCold = median(cold.get(node)!)
  const ms = `${fmt(bunCold)} vs ${fmt(nodeCold)} ms`
  console.log(`cold start Bun / ${short(node)}: ${fmt(bunCold / nodeCold, 2)}x (${ms}; target ≤ 0.3x)`)
}
for (const node of nodes) {
  const ratio = bunOverhead / mean(warm.get(node)!.durations)
  console.log(`per-invocation overhead Bun / ${short(node)}: ${fmt(ratio, 2)}x (target ≤ 1x)`)
}
for (const variant of [...bunVariants, ...bunBaselines]) {
  const [a, b] = [warm.get(bun)!, warm.get(variant)!]
  const ratio = (x: number, y: number) => `${fmt(x / y, 2)}x (${fmt(x, 2)} vs ${fmt(y, 2)})`
  console.log(
    `Bun / ${variant.name}: CPU per invocation ${
      ratio((a.cpuMs / invocations) * 1000, (b.cpuMs / invocations) * 1000)
    } µs, ` +
      `switches ${ratio(a.switches / invocations, b.switches / invocations)}, ` +
      `overhead ${ratio(mean(a.durations) * 1000, mean(b.durations) * 1000)} µs, ` +
      `cold start ${ratio(bunCold, median(cold.get(variant)!))} ms`
  )
}
const memory = runtimes.map((r) => `${r.name.split(" ").slice(0, 2).join(" ")} ${fmt(warm.get(r)!.rssMb)} MB`)
console.log(`resident memory: ${memory.join(", ")} (target < 64 MB)`)
for (const dir of [dirname(shipped.taskRoot), nodeTask, baselineWork]) {
  if (dir) rmSync(dir, { recursive: true, force: true })
}
