/**
 * bun bench/env-cpu.ts [--invocations 500] [--warmup 200] [--rounds 2] [--cases add,read] [--memory 1024]
 *                      [--variants null,pipe,delay,pipe+delay,quota+delay] [--delay 4]
 *
 * Why an invocation's JavaScript-thread CPU in an execution environment is above the in-process hot
 * path's (bench/hot-path.ts), on both runtimes: the hot path's runner (bench/hot-path-runner.ts, the same
 * bundles, Bun under the layer's settings, Node.js 24 with the ric's old-space size) with one of an
 * environment's conditions added at a time. `null`: stdout to /dev/null, AWS answering at once (as
 * hot-path.ts). `pipe`: the function's stdout a pipe this process drains, as the local Runtime API reads an
 * environment's log lines. `delay`: every AWS answer held --delay ms (the load benchmark's proxies' 4 ms),
 * so that the event loop goes idle between round trips. `quota`: the runner in a cgroup with the memory
 * size's CPU quota and memory limit (local/limits/, as an environment's, where the machine has cgroups).
 * Variants combine with +. Every variant × runtime × case runs in a fresh
 * process per round, the order reversed every other round; printed: the median over rounds of the JS
 * thread's CPU per invocation, each variant's extra over `null`, and Bun / Node.js round by round.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { usageOf } from "../local/flow/usage.ts"
import { detectCgroups } from "../local/limits/cgroups.ts"
import { bundle } from "../scripts/build/bundle.ts"
import { cannedFunctionEnv, spawnCannedAws } from "./canned-aws.ts"
import { layerEnv } from "./layer-env.ts"
import { NODE_VERSIONS, nodeBinary } from "./node-binary.ts"
import { bundleForNode } from "./node-ric.ts"
import { runnerCommand } from "./runner-command.ts"
import { fmt, median, table } from "./stats.ts"

const ROOT = resolve(import.meta.dir, "..")
const { values: args } = parseArgs({
  options: {
    invocations: { type: "string", default: "500" },
    warmup: { type: "string", default: "200" },
    rounds: { type: "string", default: "2" },
    cases: { type: "string", default: "add,read" },
    memory: { type: "string", default: "1024" },
    variants: { type: "string", default: "null,pipe,delay,pipe+delay" },
    delay: { type: "string", default: "4" },
    help: { type: "boolean" }
  }
})
if (args.help) {
  console.log(usageOf(import.meta.path))
  process.exit(0)
}
const memoryMb = Number(args.memory)
const cases = args.cases!.split(",")
const variants = args.variants!.split(",")
for (const v of variants) {
  if (!v.split("+").every((part) => ["null", "pipe", "delay", "quota"].includes(part))) {
    throw new Error(`--variants: null, pipe, delay, quota, or some of them joined by +, not ${v}`)
  }
}
const cgroups = detectCgroups()
if (variants.some((v) => v.includes("quota")) && !cgroups.available) {
  throw new Error(`--variants quota needs cgroups: ${cgroups.reason}`)
}
const rounds = Number(args.rounds)

const work = mkdtempSync(join(tmpdir(), "env-cpu-"))
const bunDir = join(work, "bun")
for (const file of await bundle(join(ROOT, "src", "handler.ts"), "handler.js")) {
  await Bun.write(join(bunDir, file.name), file.data)
}
const nodeDir = bundleForNode(ROOT)
const node = nodeBinary(ROOT, NODE_VERSIONS.at(-1)!)

const servers = { now: await spawnCannedAws(), held: await spawnCannedAws(Number(args.delay)) }

interface Measured {
  readonly invocations: number
  readonly mainThreadMs: number
  readonly cpuMs: number
  /** Bytes the function wrote to stdout per invocation (pipe variants only). */
  readonly stdoutBytes?: number
}

const measure = async (runtime: "bun" | "node", variant: string, kind: string, round: number) => {
  const out = join(work, `${runtime}-${variant}-${kind}-${round}.json`)
  const { endpoint } = variant.includes("delay") ? servers.held : servers.now
  const bundle = runtime === "bun" ? join(bunDir, "handler.js") : join(nodeDir, "handler.mjs")
  const command = runnerCommand(runtime, { bundle, node, memoryMb })
  const piped = variant.includes("pipe")
  const limit = variant.includes("quota") ? cgroups.create!(`env-cpu-${process.pid}-${runtime}`, memoryMb) : undefined
  limit?.setCpuPhase("invoke")
  const child = Bun.spawn([...(limit ? limit.wrap(command) : command), kind, args.invocations!, args.warmup!, out], {
    env: { ...cannedFunctionEnv(endpoint, memoryMb), ...(runtime === "bun" ? layerEnv(memoryMb) : {}) },
    stdout: piped ? "pipe" : "ignore",
    stderr: "pipe"
  })
  // Drained as it comes, as the local Runtime API reads an environment's lines.
  let bytes = 0
  const drained = piped
    ? (async () => {
      for await (const chunk of child.stdout as ReadableStream<Uint8Array>) bytes += chunk.length
    })()
    : Promise.resolve()
  const stderr = await new Response(child.stderr).text()
  await drained
  const code = await child.exited
  limit?.remove()
  if (code !== 0) throw new Error(`${runtime} ${variant} ${kind} failed:\n${stderr}`)
  const m = JSON.parse(readFileSync(out, "utf8")) as Measured
  const total = m.invocations + Number(args.warmup)
  return piped ? { ...m, stdoutBytes: bytes / total } : m
}

const results = new Map<string, Array<Measured>>()
const order = variants.flatMap((variant) => (["bun", "node"] as const).map((runtime) => ({ runtime, variant })))
try {
  for (let round = 0; round < rounds; round++) {
    for (const kind of cases) {
      for (const { runtime, variant } of round % 2 === 0 ? order : [...order].reverse()) {
        const m = await measure(runtime, variant, kind, round)
        const key = `${kind}|${runtime}|${variant}`
        results.set(key, [...(results.get(key) ?? []), m])
        console.error(
          `round ${round + 1}/${rounds} ${kind} ${runtime} ${variant}: ${
            fmt(m.mainThreadMs / m.invocations, 3)
          } ms JS thread`
        )
      }
    }
  }
} finally {
  servers.now.server.kill()
  servers.held.server.kill()
  rmSync(work, { recursive: true, force: true })
  rmSync(nodeDir, { recursive: true, force: true })
}

const js = (key: string) => results.get(key)!.map((m) => m.mainThreadMs / m.invocations)
console.log(
  `\nJS-thread CPU per warm invocation (ms), 10 records, ${args.invocations} invocations after ${args.warmup}, ` +
    `${rounds} rounds, ${memoryMb} MB settings, answers held ${args.delay} ms in delay variants; median over rounds`
)
const rows: Array<Array<string>> = []
for (const kind of cases) {
  for (const variant of variants) {
    const [bun, nodeJs] = [js(`${kind}|bun|${variant}`), js(`${kind}|node|${variant}`)]
    const [bunNull, nodeNull] = variants.includes("null")
      ? [median(js(`${kind}|bun|null`)), median(js(`${kind}|node|null`))]
      : [NaN, NaN]
    const ratios = bun.map((b, i) => b / nodeJs[i]!)
    const bytes = results.get(`${kind}|bun|${variant}`)!.map((m) => m.stdoutBytes ?? NaN)
    rows.push([
      kind,
      variant,
      fmt(median(bun), 3),
      fmt(median(nodeJs), 3),
      `${fmt(median(bun) - bunNull, 3)} / ${fmt(median(nodeJs) - nodeNull, 3)}`,
      `${fmt(median(ratios), 3)}x [${fmt(Math.min(...ratios), 3)}-${fmt(Math.max(...ratios), 3)}]`,
      Number.isNaN(bytes[0]!) ? "-" : fmt(median(bytes), 0)
    ])
  }
}
console.log(
  table(["case", "variant", "Bun", "Node.js", "over null, Bun / Node.js", "Bun / Node.js", "Bun stdout B/inv"], rows)
)
