/**
 * bun bench/profile.ts [--memory 1024] [--messages 1000] [--cases read] [--node 24.21.0] [--top 25]
 *
 * CPU profiles of the function in its environment: one environment (the memory size's CPU share)
 * drains the messages, once on Bun (bun --cpu-prof via BUN_OPTIONS) and once on Node.js +
 * aws-lambda-ric (--cpu-prof via NODE_OPTIONS); SIGTERM makes each runtime exit and write its
 * profile. Prints the self time by package and the top functions of each, side by side.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { seedProducts } from "../local/aws/seed.ts"
import { packagedFunction } from "../local/flow/packaged.ts"
import { sendBodies } from "../local/flow/send.ts"
import { startSession } from "../local/flow/session.ts"
import { proxiedEndpoints } from "../local/proxy/proxied-endpoints.ts"
import { STACK_DEFAULTS } from "../local/stack/defaults.ts"
import { NODE_VERSIONS, nodeBinary } from "./node-binary.ts"
import { bundleForNode, setupNodeRic } from "./node-ric.ts"
import { fmt, table } from "./stats.ts"

const ROOT = resolve(import.meta.dir, "..")
const { values: args } = parseArgs({
  options: {
    memory: { type: "string", default: String(STACK_DEFAULTS.memorySizeMb) },
    messages: { type: "string", default: "1000" },
    cases: { type: "string", default: "read" },
    node: { type: "string", default: NODE_VERSIONS.at(-1) },
    top: { type: "string", default: "25" },
    only: { type: "string" },
    verbose: { type: "boolean", default: false }
  }
})
const memoryMb = Number(args.memory)
const messages = Number(args.messages)

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
      functionEndpoints: (stack) => proxiedEndpoints(stack, { latencyMs: 4 })
    })
    const { stack } = session
    const seeded = Array.from({ length: 100 }, (_, i) => `seed-${i}`)
    const createdAt = "2026-01-01T00:00:00.000Z"
    const products = seeded.map((pk, i) => ({ pk, name: `seeded ${i}`, price: i, createdAt }))
    await seedProducts(stack.endpoints.dynamodb, stack.tableName, products)
    const bodies = Array.from(
      { length: messages },
      (_, i) =>
        JSON.stringify(kind === "add" ? { name: `product ${i}`, price: i % 100 } : { pk: seeded[i % seeded.length] })
    )
    await sendBodies(stack.endpoints.sqs, stack.inputQueueUrl, bodies)
    await session.mapping.drain()
    if (variant.key === "node") {
      // Wake the runtime with a few more batches so that its profiler sees the stop file.
      writeFileSync(join(dir, "stop"), "")
      for (let i = 0; i < 20 && !readdirSync(dir).some((f) => f.endsWith(".cpuprofile")); i++) {
        await sendBodies(stack.endpoints.sqs, stack.inputQueueUrl, bodies.slice(0, 10))
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
