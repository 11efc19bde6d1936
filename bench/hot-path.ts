/**
 * bun bench/hot-path.ts [--invocations 1500] [--warmup 300] [--rounds 3] [--cases read,add] [--memory 1024]
 *                       [--runtimes bun,node] [--baseline <git ref>] [--node 24.21.0] [--cpu-prof <dir>]
 *                       [--cpu-prof-interval 1000] [--readable] [--bun-full-jit] [--traces off,spans,60]
 *
 * The function's CPU per warm invocation, with nothing but the function measured. The built function
 * bundle (the same build as dist/function-*.zip on Bun, bench/node-ric.ts's bundle on Node.js) runs in a
 * process of its own (bench/hot-path-runner.ts) and is invoked one invocation after another with an SQS
 * event of 10 records, reads or adds, after --warmup invocations. Its AWS calls go over HTTP to canned
 * answers served by another process (bench/canned-aws.ts), so that no emulator's work and no network
 * wait lands in the measure, while the SDK's whole path (middleware, signing, the transport, the CRC32
 * and MD5 checks) still runs. CPU per invocation is the process's (all threads, process.cpuUsage) over
 * the measured invocations; the JavaScript thread's and the other threads' come from
 * /proc/self/task/<tid>/schedstat. Bun runs under the layer's JavaScriptCore settings (runtime/bootstrap:
 * the DFG tier at every size, never the FTL; below 256 MB no concurrent JIT) for --memory, and its MIMALLOC_PURGE_DELAY; Node.js with the ric
 * bootstrap's old-space size.
 *
 * --baseline builds a second function from a git ref's src/ (e.g. main), measured beside the working
 * tree's. Every runtime × build × case runs in a fresh process per round, the order reversed every other
 * round; figures are medians over rounds, and ratios are taken round by round, then their median.
 * --cpu-prof writes a CPU profile per process into <dir> (a sample every --cpu-prof-interval µs) and prints each one's
 * top functions and modules by self time, then per case Bun's and Node.js's self time per function side by side; --readable bundles unminified, so that a profile's lines name their modules. --bun-full-jit runs Bun with
 * JavaScriptCore's DFG and FTL tiers on (JavaScriptCore's defaults), as a function can set them.
 * --traces measures each build once per tracing variant, every invocation traced (OTEL_TRACES_SAMPLER=always_on)
 * to an OTLP receiver in a process of its own that answers 200 at once: `off` (no endpoint), `spans` (spans
 * made and batched, no export while measured: OTEL_BSP_SCHEDULE_DELAY and the batch size out of reach), or a
 * number N (an export every N spans, OTEL_BSP_MAX_EXPORT_BATCH_SIZE=N: 60 is one per 10 invocations of 6
 * spans, as often as in bench:observability's 128 MB environments); ratios to `off` are printed.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { usageOf } from "../local/flow/usage.ts"
import { bundle, bundleConfig } from "../scripts/build/bundle.ts"
import { cannedFunctionEnv, spawnCannedAws } from "./canned-aws.ts"
import { layerEnv } from "./layer-env.ts"
import { NODE_VERSIONS, nodeBinary } from "./node-binary.ts"
import { bundleForNode } from "./node-ric.ts"
import { runnerCommand } from "./runner-command.ts"
import { spawnSinkReceiver } from "./sink-receiver.ts"
import { fmt, median, table } from "./stats.ts"

const ROOT = resolve(import.meta.dir, "..")
const { values: args } = parseArgs({
  options: {
    invocations: { type: "string", default: "1500" },
    warmup: { type: "string", default: "300" },
    rounds: { type: "string", default: "3" },
    cases: { type: "string", default: "read,add" },
    memory: { type: "string", default: "1024" },
    runtimes: { type: "string", default: "bun,node" },
    baseline: { type: "string" },
    node: { type: "string", default: NODE_VERSIONS.at(-1) },
    "cpu-prof": { type: "string" },
    "cpu-prof-interval": { type: "string", default: "1000" },
    readable: { type: "boolean", default: false },
    "bun-full-jit": { type: "boolean", default: false },
    traces: { type: "string" },
    help: { type: "boolean" }
  }
})
if (args.help) {
  console.log(usageOf(import.meta.path))
  process.exit(0)
}
const memoryMb = Number(args.memory)
const cases = args.cases!.split(",")
const runtimes = args.runtimes!.split(",") as Array<"bun" | "node">
const rounds = Number(args.rounds)

interface Build {
  readonly label: string
  readonly bun: string
  readonly node: string
  /** The tracing variant (--traces) and its environment. */
  readonly traces?: string
  readonly env?: Record<string, string>
}

// Every folder the bench makes, removed when it ends.
const temporary: Array<string> = []
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  temporary.push(dir)
  return dir
}
const cleanUp = () => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true }))

/** src/ of a git ref (and shared/, which src/ imports, where the ref has it), beside this checkout's node_modules. */
const checkoutOf = (ref: string): string => {
  const root = tempDir("hot-path-src-")
  const shared = execFileSync("git", ["ls-tree", "--name-only", ref, "shared"], { cwd: ROOT }).length > 0
  const paths = ["src", ...(shared ? ["shared"] : []), "package.json"]
  const archive = execFileSync("git", ["archive", ref, ...paths], { cwd: ROOT, maxBuffer: 1 << 28 })
  execFileSync("tar", ["-x", "-C", root], { input: archive })
  symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"))
  return root
}

const buildFrom = async (label: string, root: string): Promise<Build> => {
  const dir = tempDir("hot-path-bun-")
  const files = args.readable
    ? await readableBundle(join(root, "src", "handler.ts"))
    : await bundle(join(root, "src", "handler.ts"), "handler.js")
  for (const file of files) {
    mkdirSync(dirname(join(dir, file.name)), { recursive: true })
    writeFileSync(join(dir, file.name), file.data)
  }
  const nodeDir = bundleForNode(root, { minify: !args.readable })
  temporary.push(nodeDir)
  return { label, bun: join(dir, "handler.js"), node: join(nodeDir, "handler.mjs") }
}

/** The same bundle unminified and without bytecode, so that a profile's lines name their modules. */
const readableBundle = async (entry: string) => {
  const result = await Bun.build({ ...bundleConfig(entry, "handler.js"), minify: false, bytecode: false })
  if (!result.success) throw new AggregateError(result.logs, `bundling ${entry} failed`)
  return [{ name: "handler.js", data: new Uint8Array(await result.outputs[0]!.arrayBuffer()) }]
}

const built = [await buildFrom("this tree", ROOT)]
if (args.baseline) built.unshift(await buildFrom(args.baseline, checkoutOf(args.baseline)))
const node = runtimes.includes("node") ? nodeBinary(ROOT, args.node!) : ""

const { server, endpoint } = await spawnCannedAws()
// The server is a process of its own: stopped with the bench, however the bench ends.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.kill()
    receiver?.kill()
    cleanUp()
    process.exit(130)
  })
}

// --traces: an OTLP receiver of its own (its CPU is not the function's), answering 200 at once.
const traceVariants = args.traces?.split(",") ?? []
const receiver = traceVariants.length === 0 ? undefined : await spawnSinkReceiver()
const receiverUrl = receiver?.url ?? ""
const tracingEnv = (variant: string): Record<string, string> => {
  if (variant === "off") return {}
  const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl, OTEL_TRACES_SAMPLER: "always_on" }
  if (variant === "spans") {
    return { ...traced, OTEL_BSP_SCHEDULE_DELAY: "3600000", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "1000000000" }
  }
  if (!/^[1-9][0-9]*$/.test(variant)) throw new Error(`--traces: off, spans or a number of spans, not ${variant}`)
  return { ...traced, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: variant }
}
const builds: Array<Build> = traceVariants.length === 0 ?
  built :
  built.flatMap((build) =>
    traceVariants.map((traces) => ({
      ...build,
      label: `${build.label}, traces ${traces}`,
      traces,
      env: tracingEnv(traces)
    }))
  )

const functionEnv = cannedFunctionEnv(endpoint, memoryMb)

// runtime/bootstrap's settings for this memory size.
const bunEnv = layerEnv(memoryMb, { fullJit: args["bun-full-jit"] === true })

interface Measured {
  readonly invocations: number
  readonly cpuMs: number
  readonly mainThreadMs: number
  readonly otherThreadsMs: Record<string, number>
  readonly wallMs: number
}

const workDir = tempDir("hot-path-out-")
const profDir = args["cpu-prof"] ? resolve(args["cpu-prof"]) : undefined
if (profDir) mkdirSync(profDir, { recursive: true })
const interval = Number(args["cpu-prof-interval"])
// The profiles this run writes: --cpu-prof's directory may hold an earlier run's too, of other runtimes or builds.
const written = new Set<string>()

const measure = async (runtime: "bun" | "node", build: Build, kind: string, round: number): Promise<Measured> => {
  const out = join(workDir, `${runtime}-${builds.indexOf(build)}-${kind}-${round}.json`)
  const name = `${runtime}-build${builds.indexOf(build)}-${kind}-round${round}.cpuprofile`
  const prof = profDir
    ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name}`, `--cpu-prof-interval=${interval}`]
    : []
  if (profDir) written.add(name)
  const command = runnerCommand(runtime, { bundle: build[runtime], node, memoryMb, flags: prof })
  const child = Bun.spawn([...command, kind, args.invocations!, args.warmup!, out], {
    env: { ...functionEnv, ...(runtime === "bun" ? bunEnv : {}), ...build.env },
    stdout: "ignore",
    stderr: "pipe"
  })
  const stderr = await new Response(child.stderr).text()
  if ((await child.exited) !== 0) throw new Error(`${runtime} ${build.label} ${kind} failed:\n${stderr}`)
  return JSON.parse(readFileSync(out, "utf8"))
}

type Key = string
const keyOf = (runtime: string, build: Build, kind: string): Key => `${runtime}|${build.label}|${kind}`
const results = new Map<Key, Array<Measured>>()
const variants = runtimes.flatMap((runtime) => builds.map((build) => ({ runtime, build })))
try {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse()
    for (const kind of cases) {
      for (const { runtime, build } of order) {
        const m = await measure(runtime, build, kind, round)
        const key = keyOf(runtime, build, kind)
        results.set(key, [...(results.get(key) ?? []), m])
        console.error(
          `round ${round + 1}/${rounds} ${kind} ${runtime} ${build.label}: ${fmt(m.cpuMs / m.invocations, 3)} ms CPU`
        )
      }
    }
  }
} finally {
  server.kill()
  receiver?.kill()
  // A profile's lines are looked up in its bundle: those stay until the profiles are printed.
  if (!profDir) cleanUp()
}

const perInvocation = (ms: Array<Measured>, pick: (m: Measured) => number) => ms.map((m) => pick(m) / m.invocations)
const spread = (values: Array<number>, digits = 3) =>
  `${fmt(median(values), digits)} [${fmt(Math.min(...values), digits)}-${fmt(Math.max(...values), digits)}]`
const others = (m: Measured) => Object.values(m.otherThreadsMs).reduce((a, b) => a + b, 0)

console.log(
  `\nCPU per warm invocation, 10 records, ${args.invocations} invocations after ${args.warmup} per process, ` +
    `${rounds} rounds, ${memoryMb} MB settings; median [min-max] over rounds (ms)`
)
const rows: Array<Array<string>> = []
for (const kind of cases) {
  for (const { runtime, build } of variants) {
    const ms = results.get(keyOf(runtime, build, kind))!
    rows.push([
      kind,
      runtime,
      build.label,
      spread(perInvocation(ms, (m) => m.cpuMs)),
      spread(perInvocation(ms, (m) => m.mainThreadMs)),
      spread(perInvocation(ms, others)),
      fmt(median(perInvocation(ms, (m) => m.wallMs)), 3)
    ])
  }
}
console.log(table(["case", "runtime", "build", "CPU, all threads", "JS thread", "other threads", "wall"], rows))

/** The median over rounds of a / b, each round's pair measured side by side. */
const ratio = (a: Array<Measured>, b: Array<Measured>) => {
  const r = a.map((m, i) => (m.cpuMs / m.invocations) / (b[i]!.cpuMs / b[i]!.invocations))
  return `${fmt(median(r), 3)}x [${fmt(Math.min(...r), 3)}-${fmt(Math.max(...r), 3)}]`
}
console.log("\nRatios of CPU per invocation, round by round (median [min-max])")
for (const kind of cases) {
  if (runtimes.length === 2) {
    for (const build of builds) {
      const line = ratio(results.get(keyOf("bun", build, kind))!, results.get(keyOf("node", build, kind))!)
      console.log(`${kind}, ${build.label}: Bun / Node.js ${line}`)
    }
  }
  for (const build of builds.filter((b) => b.traces !== undefined && b.traces !== "off")) {
    const off = builds.find((b) => b.traces === "off" && b.bun === build.bun)
    if (!off) continue
    for (const runtime of runtimes) {
      const line = ratio(results.get(keyOf(runtime, build, kind))!, results.get(keyOf(runtime, off, kind))!)
      console.log(`${kind}, ${runtime}: ${build.label} / traces off ${line}`)
    }
  }
  // This tree / the baseline, per tracing variant (builds hold each build's variants one after the other).
  const perBuild = builds.length / built.length
  for (let i = 0; built.length === 2 && i < perBuild; i++) {
    const [before, after] = [builds[i]!, builds[perBuild + i]!]
    for (const runtime of runtimes) {
      const line = ratio(results.get(keyOf(runtime, after, kind))!, results.get(keyOf(runtime, before, kind))!)
      console.log(`${kind}, ${runtime}: ${after.label} / ${before.label} ${line}`)
    }
  }
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    id: number
    callFrame: { functionName: string; url: string; lineNumber: number }
    children?: ReadonlyArray<number>
  }>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** For each line of a readable bundle, the module it comes from (Bun's `// path` comment before each module). */
const modulesByLine = new Map<string, Array<{ module: string; start: number }>>()
const moduleAt = (url: string, line: number): { module: string; start: number } => {
  if (!modulesByLine.has(url)) {
    let current = { module: "", start: 0 }
    let lines: Array<string> = []
    try {
      lines = readFileSync(url.replace(/^file:\/\//, ""), "utf8").split("\n")
    } catch {
      // a built-in, or no file
    }
    modulesByLine.set(
      url,
      lines.map((l, i) => {
        const path = /^\/\/ (\S+\.[cm]?[jt]s)$/.exec(l)?.[1]
        if (path) current = { module: path.replace(/^.*node_modules\//, ""), start: i }
        return current
      })
    )
  }
  const found = modulesByLine.get(url)![line]
  return found?.module ? found : { module: url.split("/").at(-1) ?? "", start: 0 }
}

// The AWS SDK's packages ship ES modules (Bun's bundle) and CommonJS (Node.js's): their functions line up by package.
const packageOf = (module: string) => module.replace(/^((?:@[^/]+\/)?[^/]+)\/dist-(?:es|cjs)\/.*$/, "$1")

// A module's package (effect, @smithy/core...), or the module itself for ours and for built-ins.
const ownerOf = (module: string) =>
  /^(src|scripts)\//.test(module) || !module.includes("/") ? module : /^(@[^/]+\/)?[^/]+/.exec(module)![0]

/**
 * Per function ("name module:line", the line counted from the module's start; an AWS SDK function by name and
 * package) and per module: self time, and the samples of a running JavaScript thread (idle ones left out), a
 * built-in's counted in the function that called it: JavaScriptCore shows its built-ins (object spread's
 * cloneObject, Array.prototype.map...) as frames of their own where V8's are within their caller's self time.
 */
const selfTimes = (profile: CpuProfile) => {
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]))
  const parents = new Map<number, number>()
  for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id)
  const callerOf = (id: number) => {
    let at: number | undefined = id
    while (at !== undefined && !frames.get(at)!.url) at = parents.get(at)
    return at === undefined || parents.get(at) === undefined ? id : at
  }
  const self = new Map<string, number>()
  const byModule = new Map<string, number>()
  const samples = new Map<string, number>()
  let totalUs = 0
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id)!
    const { module, start } = frame.url ? moduleAt(frame.url, frame.lineNumber) : { module: "(native)", start: 0 }
    const name = frame.functionName || "(anonymous)"
    const where = `${name} ${module}:${frame.lineNumber - start}`
    const us = profile.timeDeltas[i] ?? 0
    self.set(where, (self.get(where) ?? 0) + us)
    byModule.set(module, (byModule.get(module) ?? 0) + us)
    totalUs += us
    if (name === "(idle)" || name === "(program)") return
    const caller = frames.get(callerOf(id))!
    const at = caller.url ? moduleAt(caller.url, caller.lineNumber) : { module: "(native)", start: 0 }
    const pkg = packageOf(at.module)
    const callerName = caller.functionName || "(anonymous)"
    const lined = pkg === at.module
      ? `${callerName} ${at.module}:${caller.lineNumber - at.start}`
      : `${callerName} ${pkg}`
    samples.set(lined, (samples.get(lined) ?? 0) + 1)
    const owner = `[package] ${ownerOf(at.module)}`
    samples.set(owner, (samples.get(owner) ?? 0) + 1)
  })
  return { self, byModule, samples, totalUs }
}

const addInto = (into: Map<string, number>, from: Map<string, number>) =>
  from.forEach((us, key) => into.set(key, (into.get(key) ?? 0) + us))

/** Each profile's top functions and modules by self time (warm-up and init included). */
function printProfiles(dir: string) {
  // Per build and case, Bun's and Node.js's samples summed over rounds, for the side-by-side table.
  const paired = new Map<string, Record<string, Map<string, number>>>()
  for (const file of readdirSync(dir).filter((f) => written.has(f)).sort()) {
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile
    const { byModule, samples, self, totalUs } = selfTimes(profile)
    const rows = (m: Map<string, number>) =>
      [...m].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([f, us]) => [fmt(us / 1000), fmt(us / totalUs * 100), f])
    console.log(`\n${file}: ${fmt(totalUs / 1000, 0)} ms sampled`)
    console.log(table(["self ms", "%", "function"], rows(self)))
    console.log(table(["self ms", "%", "module"], rows(byModule)))
    const [runtime, build, kind] = file.split("-") as [string, string, string]
    const pair = paired.get(`${build} ${kind}`) ?? {}
    pair[runtime] = pair[runtime] ?? new Map()
    addInto(pair[runtime]!, samples)
    paired.set(`${build} ${kind}`, pair)
  }
  // Side by side: each function's share of the JavaScript thread's samples, times that thread's CPU per measured
  // invocation in the same run (so µs per warm invocation, estimated); the largest excess on Bun first.
  // Names line up only in --readable bundles.
  for (const [key, { bun, node }] of paired) {
    if (!bun || !node) continue
    const [build, kind] = key.split(" ") as [string, string]
    const jsThreadUs = (runtime: string) => {
      const ms = results.get(keyOf(runtime, builds[Number(build.replace("build", ""))]!, kind))!
      return median(perInvocation(ms, (m) => m.mainThreadMs)) * 1000
    }
    const scale = (samples: Map<string, number>, runtime: string) => {
      const total = [...samples.values()].reduce((a, b) => a + b, 0)
      const us = jsThreadUs(runtime)
      return (f: string) => (samples.get(f) ?? 0) / total * us
    }
    const [b, n] = [scale(bun, "bun"), scale(node, "node")]
    const rows = (packages: boolean) =>
      [...new Set([...bun.keys(), ...node.keys()])]
        .filter((f) => f.startsWith("[package] ") === packages)
        .map((f) => ({ f, bun: b(f), node: n(f) }))
        .sort((x, y) => (y.bun - y.node) - (x.bun - x.node))
    const line = ({ bun, f, node }: { f: string; bun: number; node: number }) => [
      fmt(bun, 1),
      fmt(node, 1),
      node > 0 ? fmt(bun / node, 2) : "-",
      fmt(bun - node, 1),
      f
    ]
    const header = ["Bun µs", "Node µs", "ratio", "Bun - Node", "function"]
    const functions = rows(false)
    console.log(`\n${key}: µs per warm invocation on the JavaScript thread, Bun beside Node.js (share of samples)`)
    console.log(
      table(header, [...functions.slice(0, 45).map(line), ["...", "", "", "", ""], ...functions.slice(-15).map(line)])
    )
    console.log(table(header, rows(true).map(line)))
  }
}

if (profDir) {
  printProfiles(profDir)
  cleanUp()
}
