/**
 * bun run bench:runtime [--invocations 10000] [--cold-starts 10]
 *
 * Our Bun runtime layer (the built layer-x86_64.zip) against Node.js with AWS's runtime interface
 * client (aws-lambda-ric), both on the local Runtime API, side by side in one run:
 *  - cold start: spawning the bootstrap to its first GET /next, with the product handler bundle loaded;
 *  - per-invocation overhead: an echo handler, N invocations, time from event delivery to response;
 *  - resident memory after those invocations.
 */
import { rmSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { ExecutionEnvironment } from "../local/runtime-api/environment.ts"
import { processMemoryKb } from "../local/runtime-api/report.ts"
import { packagedFunction } from "../local/invoke/packaged.ts"
import { bundleForNode, setupNodeRic } from "./node-ric.ts"
import { fmt, mean, median, percentile, table } from "./stats.ts"

const { values: args } = parseArgs({ options: { invocations: { type: "string", default: "10000" }, "cold-starts": { type: "string", default: "10" }, help: { type: "boolean" } } })
if (args.help) {
  console.log("bun run bench:runtime [--invocations 10000] [--cold-starts 10]")
  process.exit(0)
}
const invocations = Number(args.invocations)
const coldStarts = Number(args["cold-starts"])
const root = resolve(import.meta.dir, "..")

console.log("building the layer and the function…")
const shipped = await packagedFunction()
writeFileSync(join(shipped.taskRoot, "echo.js"), "exports.handler = async (event) => event\n")

// Node gets the same handler, bundled for Node (ESM), and the same echo handler.
const nodeTask = bundleForNode(root)
writeFileSync(join(nodeTask, "echo.mjs"), "export const handler = async (event) => event\n")
console.log("setting up aws-lambda-ric…")
const nodeBootstrap = setupNodeRic(root)
const nodeVersion = Bun.spawnSync(["node", "--version"]).stdout.toString().trim()

const functionEnv = { TABLE_NAME: "bench", OUTPUT_QUEUE_URL: "http://127.0.0.1:1/out", DEAD_LETTER_QUEUE_URL: "http://127.0.0.1:1/dlq", AWS_LAMBDA_LOG_LEVEL: "ERROR" }
const runtimes = [
  { name: `Bun ${Bun.version} (this layer)`, bootstrap: shipped.bootstrap, taskRoot: shipped.taskRoot },
  { name: `Node.js ${nodeVersion} + aws-lambda-ric`, bootstrap: nodeBootstrap, taskRoot: nodeTask }
]

const vmRssMb = async (pid: number | undefined) => ((await processMemoryKb(pid, "VmRSS")) ?? Number.NaN) / 1024

const cold = new Map<string, Array<number>>(runtimes.map((r) => [r.name, []]))
for (let i = 0; i < coldStarts; i++) {
  for (const r of runtimes) { // alternate so that machine noise hits both alike
    const env = new ExecutionEnvironment({ bootstrap: r.bootstrap, taskRoot: r.taskRoot, handler: "handler.handler", memorySizeMb: 1024, env: functionEnv })
    await env.start()
    cold.get(r.name)!.push(env.pendingInitDurationMs!)
    await env.stop()
  }
}

const warm = new Map<string, { durations: Array<number>; wallMs: number; rssMb: number }>()
for (const r of runtimes) {
  const env = new ExecutionEnvironment({ bootstrap: r.bootstrap, taskRoot: r.taskRoot, handler: "echo.handler", memorySizeMb: 1024, timeoutMs: 10_000 })
  const durations: Array<number> = []
  for (let i = 0; i < 200; i++) await env.invoke({ warmup: i }) // JIT warm-up
  const t0 = performance.now()
  for (let i = 0; i < invocations; i++) {
    const result = await env.invoke({ i, payload: "x".repeat(64) })
    if (result.status !== "success") throw new Error(`${r.name}: ${JSON.stringify(result)}`)
    durations.push(result.report.durationMs)
  }
  warm.set(r.name, { durations, wallMs: performance.now() - t0, rssMb: await vmRssMb(env.pid) })
  await env.stop()
}

const [bun, node] = runtimes.map((r) => r.name) as [string, string]
const rows = runtimes.map((r) => {
  const c = cold.get(r.name)!
  const w = warm.get(r.name)!
  return [r.name, fmt(median(c)), fmt(percentile(c, 90)), fmt(mean(w.durations) * 1000, 0), fmt(percentile(w.durations, 99) * 1000, 0), fmt((w.wallMs / invocations) * 1000, 0), fmt(w.rssMb)]
})
console.log(`\nRuntime benchmark: ${coldStarts} cold starts each (product handler), ${invocations} echo invocations each, one run\n`)
console.log(table(["runtime", "cold start p50 ms", "cold p90 ms", "overhead mean µs", "overhead p99 µs", "round trip µs", "RSS after MB"], rows))
const ratio = (f: (name: string) => number) => f(bun) / f(node)
console.log(`\ncold start Bun/Node: ${fmt(ratio((n) => median(cold.get(n)!)), 2)}x (target ≤ 0.5x)`)
console.log(`per-invocation overhead Bun/Node: ${fmt(ratio((n) => mean(warm.get(n)!.durations)), 2)}x (target ≤ 1x)`)
console.log(`resident memory: Bun ${fmt(warm.get(bun)!.rssMb)} MB, Node ${fmt(warm.get(node)!.rssMb)} MB (target < 64 MB)`)
for (const dir of [dirname(shipped.taskRoot), nodeTask]) rmSync(dir, { recursive: true, force: true })
