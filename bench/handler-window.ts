/**
 * bun bench/handler-window.ts [--memory 1024] [--cases add,read] [--messages 2000] [--rounds 2] [--skip 100]
 *                             [--variants env,env+hooks,proc] [--invocations 500] [--warmup 200] [--delay 4]
 *
 * The JavaScript thread's CPU inside the handler's window (from the handler's start to its promise's end),
 * Bun against Node.js 24 + aws-lambda-ric, in an environment and in process, side by side in one run. The
 * function runs under a thin wrapper that reads the thread's CPU clock at the handler's start and end and
 * does nothing else (no hooks on the transport, unlike bench/round-trip-probe.ts), so that what the window
 * costs is the function's alone, plus two clock reads. Variants, each run for both runtimes:
 * - `env`: the real flow (local/flow/session.ts: emulators, the event source mapping, the local Runtime
 *   API, runtime/bootstrap or aws-lambda-ric), the AWS calls through the load benchmark's 4 ms proxies;
 * - `+hooks`: the window wrapped inside round-trip-probe's probe (its hooks on Bun.connect / node:http);
 * - `+direct`: no proxies, the function talks to the emulators;
 * - `+nofreeze`: the environment not frozen between invocations (LOCAL_LAMBDA_FREEZE=off);
 * - `+canned`: the function's AWS calls answered by bench/canned-aws.ts held --delay ms, as in process;
 * - `+NAME=VALUE`: extra function environment (e.g. `env+_X_AMZN_TRACE_ID=...`);
 * - `proc`: bench/hot-path-runner.ts loading the same wrapper in a process of its own (Bun under the
 *   layer's settings), against bench/canned-aws.ts's answers held --delay ms, as bench/env-cpu.ts's `delay`;
 *   `proc+varied`: every message its own and each event parsed from JSON, as in an environment;
 * - `rapi`: the real runtime (the layer's bootstrap, or aws-lambda-ric) polling bench/bare-runtime-api.ts,
 *   which hands out --warmup + --invocations events at once, AWS answered as `proc`'s: of an environment
 *   only the runtime's exchange on the function's thread (no mapping, emulators, cgroup or log pipe);
 *   `+quota`: in a cgroup with the memory size's CPU quota and memory limit (local/limits/); `+pipe`: its
 *   stdout a pipe drained as it comes; `+busy`: a neighbour process spinning on JavaScript meanwhile;
 *   `+gapN`: each event handed out N ms after the runtime asks for it (idle between invocations).
 * Printed per case and variant: the mean over warm invocations (from the --skip + 1th of each environment;
 * in process, after --warmup) of the window's JS CPU, and of the JS CPU from one handler start to the next
 * (the window plus the runtime's exchange with the Runtime API), Bun, Node.js and Bun / Node.js.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { packagedFunction } from "../local/flow/packaged.ts"
import { startSession } from "../local/flow/session.ts"
import { usageOf } from "../local/flow/usage.ts"
import { detectCgroups } from "../local/limits/cgroups.ts"
import { type AwsProxy, IN_REGION_ROUND_TRIP_MS } from "../local/proxy/aws-proxy.ts"
import { proxiedEndpoints } from "../local/proxy/proxied-endpoints.ts"
import { lambdaEnvironment } from "../local/runtime-api/lambda-env.ts"
import { cannedFunctionEnv, spawnCannedAws } from "./canned-aws.ts"
import { layerEnv } from "./layer-env.ts"
import type { CaseKind } from "./load/workload-bodies.ts"
import { seedWorkload, sendWorkload } from "./load/workload.ts"
import { NODE_VERSIONS, nodeBinary } from "./node-binary.ts"
import { bundleForNode, setupNodeRic } from "./node-ric.ts"
import { prioritiseBenchmark } from "./pinning.ts"
import { probeHandlerSource } from "./round-trip-phases.ts"
import { runnerCommand } from "./runner-command.ts"
import { fmt, mean, median, table } from "./stats.ts"

const ROOT = resolve(import.meta.dir, "..")
const { values: args } = parseArgs({
  options: {
    memory: { type: "string", default: "1024" },
    cases: { type: "string", default: "add,read" },
    messages: { type: "string", default: "2000" },
    rounds: { type: "string", default: "2" },
    skip: { type: "string", default: "100" },
    variants: { type: "string", default: "env,env+hooks,proc" },
    invocations: { type: "string", default: "500" },
    warmup: { type: "string", default: "200" },
    delay: { type: "string", default: "4" },
    help: { type: "boolean" }
  }
})
if (args.help) {
  console.log(usageOf(import.meta.path))
  process.exit(0)
}
const memoryMb = Number(args.memory)
const skip = Number(args.skip)
console.error(prioritiseBenchmark())

/**
 * The wrapper: `inner` is the module it wraps (the function's bundle, or round-trip-probe's probe). Each
 * line of HANDLER_WINDOW_FILE: JS CPU ms at the handler's start, at its end, and the wall clock at both.
 * process.cpuUsage() first, as the probe does, so that the thread's schedstat is up to date when read.
 */
const windowSource = (inner: string) => `
import { appendFileSync, readFileSync } from "node:fs"
const file = process.env.HANDLER_WINDOW_FILE
const cpuMs = () => {
  process.cpuUsage()
  const s = readFileSync("/proc/thread-self/schedstat", "latin1")
  return Number(s.slice(0, s.indexOf(" "))) / 1e6
}
const real = await import(${JSON.stringify(`./${inner}`)})
let lines = []
export const __lambdaInit = real.__lambdaInit
export const handler = async (event, context) => {
  const start = cpuMs()
  const startWall = performance.now()
  try {
    return await real.handler(event, context)
  } finally {
    lines.push(start + " " + cpuMs() + " " + startWall + " " + performance.now())
    if (lines.length >= 20) {
      appendFileSync(file, lines.join("\\n") + "\\n")
      lines = []
    }
  }
}
`

const bun = await packagedFunction()
const nodeRoot = bundleForNode(ROOT)
for (const [dir, file] of [[bun.taskRoot, "handler.js"], [nodeRoot, "handler.mjs"]] as const) {
  writeFileSync(join(dir, "probe.mjs"), probeHandlerSource(file))
  writeFileSync(join(dir, "window.mjs"), windowSource(file))
  writeFileSync(join(dir, "window-hooks.mjs"), windowSource("probe.mjs"))
}
const nodeExe = nodeBinary(ROOT, NODE_VERSIONS.at(-1)!)
const bootstraps = { bun: bun.bootstrap, node: setupNodeRic(ROOT, nodeExe) }
const taskRoots = { bun: bun.taskRoot, node: nodeRoot }
const canned = await spawnCannedAws(Number(args.delay))

type Runtime = "bun" | "node"
interface Windows {
  /** Per warm invocation: the window's JS CPU, and from its start to the next invocation's start. */
  readonly window: Array<number>
  readonly cycle: Array<number>
  /** Wall ms from the handler's end to the next one's start. */
  readonly between: Array<number>
}

const readWindows = (file: string, from: number): Windows => {
  const rows = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => l.split(" ").map(Number))
  const warm = rows.slice(from)
  return {
    window: warm.map(([s, e]) => e! - s!),
    cycle: warm.slice(0, -1).map(([s], i) => warm[i + 1]![0]! - s!),
    between: warm.slice(0, -1).map(([, , , end], i) => warm[i + 1]![2]! - end!)
  }
}

const inEnvironment = async (runtime: Runtime, kind: CaseKind, parts: Array<string>, dir: string) => {
  const file = join(dir, "windows")
  writeFileSync(file, "")
  const extra = Object.fromEntries(
    parts.filter((p) => p.includes("=")).map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)])
  )
  const proxies: Array<AwsProxy> = []
  const messages = Number(args.messages)
  const session = await startSession({
    prefix: `window-${kind}-${Date.now()}`,
    memoryMb,
    concurrency: 1,
    batchSize: 10,
    batchingWindowSeconds: 0,
    timeoutSeconds: 30,
    function: {
      taskRoot: taskRoots[runtime],
      handler: parts.includes("hooks") ? "window-hooks.handler" : "window.handler",
      bootstrap: bootstraps[runtime]
    },
    functionEnv: { ...extra, HANDLER_WINDOW_FILE: file, ROUND_TRIP_PROBE_FILE: join(dir, "marks") },
    prioritiseEnvironments: true,
    ...(parts.includes("nofreeze") ? { freeze: false } : {}),
    ...(parts.includes("direct") ? {} : {
      environmentEndpoints: (stack) =>
        parts.includes("canned")
          ? { dynamodb: canned.endpoint, sqs: canned.endpoint }
          : proxiedEndpoints(stack, { latencyMs: IN_REGION_ROUND_TRIP_MS }, proxies)
    })
  })
  try {
    const { stack } = session
    await sendWorkload(stack, kind, 0, messages, await seedWorkload(stack, kind, messages))
    await session.mapping.drain()
  } finally {
    await session.close()
    await Promise.all(proxies.map((p) => p.stop()))
  }
  return readWindows(file, 1 + skip)
}

const inProcess = async (runtime: Runtime, kind: CaseKind, parts: Array<string>, dir: string) => {
  const file = join(dir, "windows")
  writeFileSync(file, "")
  const command = runnerCommand(runtime, { bundle: join(taskRoots[runtime], "window.mjs"), node: nodeExe, memoryMb })
  const child = Bun.spawn([...command, kind, args.invocations!, args.warmup!, join(dir, "runner.json")], {
    env: {
      ...cannedFunctionEnv(canned.endpoint, memoryMb),
      ...(runtime === "bun" ? layerEnv(memoryMb) : {}),
      HANDLER_WINDOW_FILE: file,
      ...(parts.includes("varied") ? { HOT_PATH_VARIED: "1" } : {})
    },
    stdout: "ignore",
    stderr: "pipe"
  })
  const stderr = await new Response(child.stderr).text()
  if ((await child.exited) !== 0) throw new Error(`${runtime} in process ${kind} failed:\n${stderr}`)
  // The wrapper flushes every 20 invocations: what it wrote of the measured ones.
  return readWindows(file, Number(args.warmup))
}

const BUSY_NEIGHBOUR = `const text = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ i, s: "x" + i })))
for (;;) JSON.stringify(JSON.parse(text))`
const cgroups = detectCgroups()

/** The real runtime (runtime/bootstrap, or aws-lambda-ric) against bench/bare-runtime-api.ts, AWS canned. */
const bareRuntime = async (runtime: Runtime, kind: CaseKind, parts: Array<string>, dir: string) => {
  const file = join(dir, "windows")
  writeFileSync(file, "")
  const count = Number(args.warmup) + Number(args.invocations)
  const gap = parts.find((p) => p.startsWith("gap"))?.slice(3) ?? "0"
  const api = Bun.spawn([process.execPath, join(import.meta.dir, "bare-runtime-api.ts"), kind, String(count), gap], {
    stdout: "pipe",
    stderr: "inherit"
  })
  const lines = (api.stdout as ReadableStream<Uint8Array>).getReader()
  const text = new TextDecoder()
  const address = text.decode((await lines.read()).value).trim()
  const { PATH, ...functionEnv } = cannedFunctionEnv(canned.endpoint, memoryMb)
  const identity = Object.fromEntries(Object.entries(functionEnv).filter(([k]) => k.startsWith("AWS_")))
  const limit = parts.includes("quota") ? cgroups.create!(`handler-window-${process.pid}`, memoryMb) : undefined
  // A neighbour busy on the machine's CPUs with JavaScript (parsing and writing JSON) all along.
  const busy = parts.includes("busy")
    ? Bun.spawn([process.execPath, "-e", BUSY_NEIGHBOUR], { stdout: "ignore", stderr: "inherit" })
    : undefined
  const fn = Bun.spawn(limit ? limit.wrap([bootstraps[runtime]]) : [bootstraps[runtime]], {
    cwd: taskRoots[runtime],
    env: lambdaEnvironment({
      runtimeApi: address,
      bootstrap: bootstraps[runtime],
      taskRoot: taskRoots[runtime],
      handler: "window.handler",
      functionName: "hot-path",
      memorySizeMb: memoryMb,
      maxConcurrency: 1,
      streamId: "0".repeat(32),
      now: new Date(),
      identity,
      path: PATH!,
      bunBinary: process.execPath,
      env: { ...functionEnv, HANDLER_WINDOW_FILE: file }
    }),
    stdout: parts.includes("pipe") ? "pipe" : "ignore",
    stderr: "inherit"
  })
  // Drained as it comes, as the local Runtime API reads an environment's log lines.
  if (parts.includes("pipe")) void new Response(fn.stdout as ReadableStream<Uint8Array>).arrayBuffer()
  try {
    let said = ""
    while (!said.includes("done")) {
      const { value, done } = await Promise.race([
        lines.read(),
        fn.exited.then((code) => {
          throw new Error(`${runtime} runtime exited (${code}) before its ${count} invocations`)
        })
      ])
      if (done) throw new Error("bare runtime API ended")
      said += text.decode(value, { stream: true })
    }
  } finally {
    fn.kill()
    api.kill()
    busy?.kill()
    await fn.exited
    limit?.remove()
  }
  return readWindows(file, Number(args.warmup))
}

const variants = args.variants!.split(",")
const results = new Map<string, Array<Windows>>()
const order = variants.flatMap((variant) => (["bun", "node"] as const).map((runtime) => ({ runtime, variant })))
try {
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const kind of args.cases!.split(",") as Array<CaseKind>) {
      for (const { runtime, variant } of round % 2 === 0 ? order : [...order].reverse()) {
        const dir = mkdtempSync(join(tmpdir(), "handler-window-"))
        const [where, ...parts] = variant.split("+")
        try {
          const w = where === "proc"
            ? await inProcess(runtime, kind, parts, dir)
            : where === "env"
            ? await inEnvironment(runtime, kind, parts, dir)
            : where === "rapi"
            ? await bareRuntime(runtime, kind, parts, dir)
            : (() => {
              throw new Error(`--variants: env, proc or rapi, then +hooks, +direct or +NAME=VALUE, not ${variant}`)
            })()
          const key = `${kind}|${runtime}|${variant}`
          results.set(key, [...(results.get(key) ?? []), w])
          console.error(
            `round ${round + 1} ${kind} ${runtime} ${variant}: window ${fmt(mean(w.window), 3)} ms, cycle ${
              fmt(mean(w.cycle), 3)
            } ms JS CPU, ${fmt(median(w.between), 2)} ms wall between (median; ${w.window.length} invocations)`
          )
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }
    }
  }
} finally {
  canned.server.kill()
  rmSync(nodeRoot, { recursive: true, force: true })
}

const rows: Array<Array<string>> = []
for (const kind of args.cases!.split(",")) {
  for (const variant of variants) {
    const of = (runtime: Runtime, pick: (w: Windows) => Array<number>) =>
      results.get(`${kind}|${runtime}|${variant}`)!.map((w) => mean(pick(w)))
    const cells = (pick: (w: Windows) => Array<number>) => {
      const [b, n] = [of("bun", pick), of("node", pick)]
      const ratios = b.map((x, i) => x / n[i]!)
      return [fmt(median(b), 3), fmt(median(n), 3), `${fmt(median(ratios), 2)}x`]
    }
    rows.push([kind, variant, ...cells((w) => w.window), ...cells((w) => w.cycle)])
  }
}
console.log(
  `\nJS-thread CPU per warm invocation (ms), ${memoryMb} MB, median over ${args.rounds} rounds of the mean; ` +
    `env: ${args.messages} messages from the ${skip + 1}th invocation; proc: ${args.invocations} after ${args.warmup}`
)
console.log(
  table(
    ["case", "variant", "window Bun", "Node.js", "Bun / Node", "start to start Bun", "Node.js", "Bun / Node"],
    rows
  )
)
process.exit(0)
