/**
 * bun bench/round-trip-probe.ts [--memory 1024] [--cases read,add] [--messages 3000] [--rounds 2]
 *                               [--skip 100] [--variants bun,node] [--no-priority] [--side-by-side]
 *
 * Where the function's own time goes around its AWS round trips, in an environment, Bun against
 * Node.js 24 + aws-lambda-ric. Each variant (bun; node; bun:NAME=VALUE:... for Bun with extra function
 * environment) drains the messages through one environment with its own latency proxies, the variants
 * interleaved for --rounds rounds (AB, then BA), or all at once with --side-by-side (as bun run bench
 * runs Bun and Node.js: each its own emulators and proxies, all in this process). The function runs under a probe handler that marks,
 * with the JavaScript thread's CPU, its start and end and each AWS request handed to the transport, its
 * response seen and its body read (bench/round-trip-phases.ts); the proxies time each call's arrival
 * and the end of its answer, the Runtime API the duration. Per variant, per warm invocation from the
 * (--skip + 1)th of each environment on, the phases' averages: the Runtime API's exchange, the handler's
 * JavaScript (wall and CPU), per request the hop from the transport to the proxy and from the proxy's
 * answer back to JavaScript and the JS-thread CPU from request to response, the body read. The probe
 * hooks Bun's fetch, Bun's default socket transport (Bun.connect, from outside) and Node.js's node:http;
 * a transport it does not hook gets duration and own time only.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { packagedFunction } from "../local/flow/packaged.ts"
import { startSession } from "../local/flow/session.ts"
import { usageOf } from "../local/flow/usage.ts"
import { type AwsProxy, IN_REGION_ROUND_TRIP_MS } from "../local/proxy/aws-proxy.ts"
import { proxiedEndpoints } from "../local/proxy/proxied-endpoints.ts"
import { settingsEnv } from "./layer-env.ts"
import { seedWorkload, sendWorkload } from "./load/workload.ts"
import { NODE_VERSIONS, nodeBinary } from "./node-binary.ts"
import { bundleForNode, setupNodeRic } from "./node-ric.ts"
import { unionLength } from "./own-time.ts"
import { prioritiseBenchmark } from "./pinning.ts"
import {
  type Mark,
  type Phases,
  phasesOf,
  phasesTable,
  probeHandlerSource,
  type ProxyCall
} from "./round-trip-phases.ts"
import { fmt, mean } from "./stats.ts"

const ROOT = resolve(import.meta.dir, "..")
const { values: args } = parseArgs({
  options: {
    memory: { type: "string", default: "1024" },
    cases: { type: "string", default: "read,add" },
    messages: { type: "string", default: "3000" },
    rounds: { type: "string", default: "2" },
    skip: { type: "string", default: "100" },
    variants: { type: "string", default: "bun,node" },
    node: { type: "string", default: NODE_VERSIONS.at(-1) },
    "no-priority": { type: "boolean", default: false },
    "side-by-side": { type: "boolean", default: false },
    help: { type: "boolean" }
  }
})
if (args.help) {
  console.log(usageOf(import.meta.path))
  process.exit(0)
}
const memoryMb = Number(args.memory)
const messages = Number(args.messages)
const skip = Number(args.skip)
console.error(args["no-priority"] ? "not prioritised (--no-priority)" : prioritiseBenchmark())

const wall = (now: number) => performance.timeOrigin + now
const bun = await packagedFunction()
const nodeRoot = bundleForNode(ROOT)
writeFileSync(join(bun.taskRoot, "probe.mjs"), probeHandlerSource("handler.js"))
writeFileSync(join(nodeRoot, "probe.mjs"), probeHandlerSource("handler.mjs"))
const functions = {
  bun: { taskRoot: bun.taskRoot, handler: "probe.handler", bootstrap: bun.bootstrap },
  node: { taskRoot: nodeRoot, handler: "probe.handler", bootstrap: setupNodeRic(ROOT, nodeBinary(ROOT, args.node!)) }
}
const variants = args.variants!.split(",").map((spec) => {
  const [key, ...settings] = spec.split(":")
  if (key !== "bun" && key !== "node") throw new Error(`unknown variant ${spec}`)
  return { spec, fn: functions[key], env: settingsEnv(settings) }
})

const runOne = async (kind: "add" | "read", variant: (typeof variants)[number]): Promise<Array<Phases>> => {
  const dir = mkdtempSync(join(tmpdir(), "round-trip-probe-"))
  const file = join(dir, "marks.jsonl")
  writeFileSync(file, "")
  const calls: Array<ProxyCall> = []
  const proxies: Array<AwsProxy> = []
  const invocations: Array<{ requestId: string; handedOut: number; answered: number; index: number }> = []
  let index = 0
  const session = await startSession({
    prefix: `probe-${kind}-${Date.now()}`,
    memoryMb,
    concurrency: 1,
    batchSize: 10,
    batchingWindowSeconds: 0,
    timeoutSeconds: 30,
    function: variant.fn,
    functionEnv: { ...variant.env, ROUND_TRIP_PROBE_FILE: file },
    prioritiseEnvironments: !args["no-priority"],
    onInvocation: (r) => {
      // The Runtime API's duration ends as the mapping's record does (within its event loop's delay).
      const answered = wall(r.endedAt)
      const { requestId, durationMs } = r.result.report
      invocations.push({ requestId, handedOut: answered - durationMs, answered, index: index++ })
    },
    environmentEndpoints: (stack) =>
      proxiedEndpoints(stack, {
        latencyMs: IN_REGION_ROUND_TRIP_MS,
        onTiming: (start, end) => void calls.push([wall(start), wall(end)])
      }, proxies)
  })
  try {
    const { stack } = session
    await sendWorkload(stack, kind, 0, messages, await seedWorkload(stack, kind, messages))
    await session.mapping.drain()
  } finally {
    await session.close()
    await Promise.all(proxies.map((p) => p.stop()))
  }
  const marks = new Map<string, ReadonlyArray<Mark>>()
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line) continue
    const { requestId, marks: m } = JSON.parse(line) as { requestId: string; marks: Array<Mark> }
    marks.set(requestId, m)
  }
  rmSync(dir, { recursive: true, force: true })
  const phases: Array<Phases> = []
  let unmatched = 0
  for (const inv of invocations) {
    const m = marks.get(inv.requestId)
    if (inv.index < 1 + skip || !m) continue
    const own = calls.filter(([s]) => s >= inv.handedOut && s <= inv.answered)
    // A transport the probe does not see (no request marks): duration and own time only, as bench/own-time.ts has them.
    const p = m.some(([label]) => label === "send:0")
      ? phasesOf(m, own, inv.handedOut, inv.answered)
      : unmarked(own, inv.handedOut, inv.answered)
    if (p) phases.push(p)
    else unmatched++
  }
  console.error(
    `${kind} ${variant.spec}: ${phases.length} invocations (${unmatched} not matched), own ${
      fmt(mean(phases.map((p) => p.own)), 3)
    } ms`
  )
  return phases
}

function unmarked(calls: ReadonlyArray<ProxyCall>, from: number, to: number): Phases {
  const aws = unionLength(calls, from, to)
  const duration = to - from
  const unknown = Number.NaN
  return {
    requests: calls.length,
    lateAnswers: 0,
    duration,
    aws,
    own: duration - aws,
    runtimeApi: unknown,
    js: unknown,
    jsCpu: unknown,
    sendHop: unknown,
    answerHop: unknown,
    requestCpu: unknown,
    bodyRead: unknown,
    bodyCpu: unknown
  }
}

for (const kind of args.cases!.split(",") as Array<"add" | "read">) {
  const byVariant = new Map<string, Array<Phases>>()
  const add = (spec: string, phases: Array<Phases>) => byVariant.set(spec, [...(byVariant.get(spec) ?? []), ...phases])
  for (let round = 0; round < Number(args.rounds); round++) {
    if (args["side-by-side"]) {
      const all = await Promise.all(variants.map((variant) => runOne(kind, variant)))
      variants.forEach((variant, i) => add(variant.spec, all[i]!))
      continue
    }
    for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
      add(variant.spec, await runOne(kind, variant))
    }
  }
  const how = args["side-by-side"] ? "side by side" : "interleaved"
  console.log(
    `\n## ${kind}, ${memoryMb} MB, ${how}: ms per warm invocation (from the ${skip + 1}th of each environment)\n`
  )
  console.log(phasesTable([...byVariant]))
}
process.exit(0)
