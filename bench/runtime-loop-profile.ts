/**
 * bun bench/runtime-loop-profile.ts [--invocations 20000] [--rounds 2] [--interval 100] [--memory 1024]
 *                                   [--baseline REF] [--top 15]
 *
 * Where the runtime layer's JavaScript thread spends its samples per invocation: the layer's sources
 * (runtime/src/main.ts, as the bootstrap runs them without runtime.js) under `bun --cpu-prof`, an echo
 * handler, N invocations with an X-Ray trace header (Lambda always sends one) on the local Runtime API,
 * after 2,000 of warm-up. The handler ends the process after the last one, so the profile is written.
 * Per invocation: the sampled time in the socket writes (the send syscall, loopback delivery to the Runtime
 * API included), in everything else (the layer's JavaScript: the answer's parse, the context, the promise
 * hops, the request's bytes...), and the top functions. `--baseline REF` runs the layer of a git ref too
 * (its runtime/ and shared/ from `git archive`), the two interleaved round by round.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { ExecutionEnvironment } from "../local/runtime-api/environment.ts"
import { layerAtRef } from "./layer-at-ref.ts"
import { layerEnv } from "./layer-env.ts"
import { fmt, mean, table } from "./stats.ts"

const { values: args } = parseArgs({
  options: {
    invocations: { type: "string", default: "20000" },
    rounds: { type: "string", default: "2" },
    interval: { type: "string", default: "100" },
    memory: { type: "string", default: "1024" },
    baseline: { type: "string" },
    top: { type: "string", default: "15" }
  }
})
const invocations = Number(args.invocations)
const root = resolve(import.meta.dir, "..")
const work = mkdtempSync(join(tmpdir(), "runtime-loop-profile-"))
const WARM_UP = 2000

const taskRoot = join(work, "task")
mkdirSync(taskRoot)
writeFileSync(
  join(taskRoot, "echo.js"),
  "let n = 0\nexports.handler = async (event) => {\n  if (++n > Number(process.env.PROFILE_LAST)) process.exit(0)\n" +
    "  return event\n}\n"
)

interface Layer {
  readonly name: string
  readonly main: string
  readonly samples: Array<{ readonly writeUs: number; readonly restUs: number; readonly top: Map<string, number> }>
}
const layers: Array<Layer> = [{ name: "this checkout", main: join(root, "runtime/src/main.ts"), samples: [] }]
if (args.baseline) {
  const dir = layerAtRef(root, args.baseline, work)
  layers.push({ name: args.baseline, main: join(dir, "runtime/src/main.ts"), samples: [] })
}

/** Self samples by function, in µs per invocation, from a .cpuprofile. */
const selfTimes = (file: string, intervalUs: number): Map<string, number> => {
  const profile = JSON.parse(readFileSync(file, "utf8")) as {
    nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>
    samples: Array<number>
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  const times = new Map<string, number>()
  for (const id of profile.samples) {
    const frame = byId.get(id)!
    const key = `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^.*\//, "")}:${frame.lineNumber + 1}`
    times.set(key, (times.get(key) ?? 0) + intervalUs / (WARM_UP + invocations))
  }
  return times
}

const profileOnce = async (layer: Layer, round: number) => {
  const out = join(work, `profile-${layers.indexOf(layer)}-${round}`)
  const bootstrap = join(work, "bootstrap")
  // The layer's bootstrap as it runs a checkout's sources, with the profiler's flags added.
  writeFileSync(
    bootstrap,
    `#!/bin/sh\nexec "${process.execPath}" --no-install --no-env-file --config=/dev/null --cpu-prof ` +
      `--cpu-prof-interval=${args.interval} --cpu-prof-dir="${out}" "${layer.main}"\n`
  )
  chmodSync(bootstrap, 0o755)
  const memorySizeMb = Number(args.memory)
  const env = new ExecutionEnvironment({
    bootstrap,
    taskRoot,
    handler: "echo.handler",
    memorySizeMb,
    timeoutMs: 10_000,
    env: { ...layerEnv(memorySizeMb), AWS_LAMBDA_LOG_LEVEL: "ERROR", PROFILE_LAST: String(WARM_UP + invocations) }
  })
  const traceId = (i: number) => `Root=1-6759e988-bd862e3fe1be46a99427${String(i).padStart(4, "0")};Sampled=1`
  for (let i = 0; i < WARM_UP + invocations; i++) {
    const result = await env.invoke({ i, payload: "x".repeat(64) }, { traceId: traceId(i) })
    if (result.status !== "success") throw new Error(`${layer.name}: ${JSON.stringify(result)}`)
  }
  await env.invoke({ last: true }) // the handler exits: the profile is written
  await env.stop()
  const file = readdirSync(out).find((f) => f.endsWith(".cpuprofile"))
  if (!file) throw new Error(`${layer.name}: no profile written in ${out}`)
  // The warm-up's samples are in the profile too: the figures are per invocation of the whole run, warm-up
  // included (a little above the warm figure).
  const top = selfTimes(join(out, file), Number(args.interval))
  const writeUs = [...top].filter(([k]) => k.startsWith("write ")).reduce((s, [, v]) => s + v, 0)
  const totalUs = [...top.values()].reduce((s, v) => s + v, 0)
  layer.samples.push({ writeUs, restUs: totalUs - writeUs, top })
}

for (let round = 0; round < Number(args.rounds); round++) {
  // Alternate the order so that machine noise hits both alike.
  for (const layer of round % 2 === 0 ? layers : [...layers].reverse()) await profileOnce(layer, round)
}

const perRound = (layer: Layer, pick: (s: Layer["samples"][number]) => number) =>
  `${fmt(mean(layer.samples.map(pick)), 2)} (${layer.samples.map((s) => fmt(pick(s), 2)).join(", ")})`
console.log(
  `\n${invocations} echo invocations + ${WARM_UP} of warm-up per round, ${args.rounds} rounds, ` +
    `sampling every ${args.interval} µs, µs per invocation on the JavaScript thread, mean (per round)\n`
)
console.log(table(
  ["layer", "socket writes µs", "everything else µs"],
  layers.map((l) => [l.name, perRound(l, (s) => s.writeUs), perRound(l, (s) => s.restUs)])
))
for (const layer of layers) {
  const summed = new Map<string, number>()
  for (const s of layer.samples) {
    for (const [k, v] of s.top) summed.set(k, (summed.get(k) ?? 0) + v / layer.samples.length)
  }
  const top = [...summed].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))
  console.log(`\n${layer.name}: top functions by self time\n`)
  console.log(table(["function", "µs per invocation"], top.map(([k, v]) => [k, fmt(v, 3)])))
}
rmSync(work, { recursive: true, force: true })
