/**
 * bun run bench [--quick] [--memory 128,1024,2048,3072] [--messages 10000] [--latency 4]
 *               [--concurrency 10] [--batch-size 10] [--cases add,read] [--no-baseline] [--no-node]
 *               [--node 24.21.0] [--rounds 10] [--pair-concurrency N] [--alone-concurrency N]
 *               [--warmup 300] [--side-by-side] [--pin] [--no-priority] [--per-environment 5] [--no-managed]
 *               [--emulators process|inline] [--update-readme] [--bun-env NAME=VALUE:NAME=VALUE]
 *
 * For each case (add; read and send) and memory size: sends the messages to the local stack's input
 * queue and drains them through the local event source mapping and the real Bun runtime, each
 * environment held to the memory and CPU Lambda would give it, every AWS call delayed by a simulated
 * round trip. The same run measures the one-record-at-a-time baseline (with the SDK's defaults and,
 * except with --quick, on this product's transport) and the same handler on Node.js with AWS's
 * runtime interface client (aws-lambda-ric; Node.js from npm, by default the newest of
 * bench/node-binary.ts: Lambda's nodejs24.x), and the same bundle in Lambda Managed Instances mode
 * (--per-environment invocations at once in each environment, as many in flight in all), reported per
 * environment beside one invocation at a time. Then it checks that nothing was lost or duplicated,
 * prints the report and writes it, with <date>-<case>.json / .svg, to .cache/bench/ (not kept in git).
 * --update-readme writes them to bench/results/ instead and puts the report in README.md's bench section.
 * Bun and its Node.js twin run as a pair: each on a stack of its own with as many environments as
 * fit the machine (at most half of --concurrency; --pair-concurrency N: exactly N): on Lambda each
 * environment has its CPU share to itself, so the pair's shares must add up to no more than the CPUs
 * the environments have (bench/load/contention.ts). The same messages go to both in --rounds rounds,
 * their rounds alternating (AB BA ...), so that a drift of the machine falls alike on both and neither
 * runtime waits for the other's CPU, which no Lambda environment does: side by side (--side-by-side:
 * both at the same moments), each waited on the other, the faster one the more (README, "Alternating
 * rounds"). The report gives their per-round ratios with 95% intervals (bench/load/pairing.ts). Bun
 * also runs alone, as do the baselines and Managed Instances, one after the other: their ratios, the
 * cost and the chart use that run of Bun. The runs alone are sized by the same rule as the pair: as
 * many environments as fit the CPUs, at most --concurrency (Managed Instances: --concurrency /
 * --per-environment), --alone-concurrency N: exactly N.
 * Before its measured rounds every environment of every run serves a warm-up of --warmup invocations
 * (a pair's sides at the same time), so that the JIT compilers have settled as in an environment
 * under steady traffic; the warm-up is left out of every statistic and summed up apart in the report
 * (bench/load/phases.ts); --warmup 0: none. --quick: a short one.
 * Each environment has its own latency proxies, which time its AWS calls: the report splits every
 * duration into the wait on AWS and the function's own time (bench/own-time.ts). The environments'
 * resource groups and the benchmark process weigh 10x other work when the CPU is contended, so that
 * a machine shared with other work does not put its run queue into the durations (--no-priority: not);
 * the report gives each run's CPU and run-queue wait per invocation. With --pin, the
 * environments run on CPU 0 and the emulators and proxies on the others (bench/pinning.ts): on a
 * 2-core machine that leaves ten environments one core, which measured slower (see README).
 * --emulators inline (the default) runs each stack's emulators (dynalite, local-aws-sqs) in this process;
 * process: in a process of their own per stack (local/aws/emulator-process.ts), apart from this one, whose
 * event loop times every duration and AWS call. Measured side by side on this 2-core machine, that did not
 * make this process's event loop less late nor the own-time ratio lower (README's "Where the emulators run").
 * --bun-env adds function environment to this product's runs (not Node.js's), e.g.
 * BUN_JSC_useDFGJIT=true: the layer's bootstrap yields to it, as to a function's own setting.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { availableParallelism, loadavg } from "node:os"
import { join, relative, resolve } from "node:path"
import { parseArgs } from "node:util"
import { emulatorPlacement } from "../local/aws/local-stack.ts"
import { packagedFunction } from "../local/flow/packaged.ts"
import { usageOf } from "../local/flow/usage.ts"
import { detectCgroups } from "../local/limits/cgroups.ts"
import { IN_REGION_ROUND_TRIP_MS } from "../local/proxy/aws-proxy.ts"
import { STACK_DEFAULTS } from "../local/stack/defaults.ts"
import { settingsEnv } from "./layer-env.ts"
import { sizePair } from "./load/contention.ts"
import { loadReport, readmeWithReport } from "./load/report.ts"
import { type LoadCase, type LoadSettings, runCase, runPair, type RunResult } from "./load/run-case.ts"
import { BUN_PAIRED, loadVariants } from "./load/variants.ts"
import { NODE_VERSIONS, nodeBinary } from "./node-binary.ts"
import { bundleForNode, setupNodeRic } from "./node-ric.ts"
import { BENCHMARK_NICE, pinBenchmark, prioritiseBenchmark } from "./pinning.ts"

const ROOT = resolve(import.meta.dir, "..")
/**
 * Warm-up invocations per environment before the measured rounds. On 2026-11-28's committed run (one
 * environment per side from 1024 MB), both sides' first ~50 invocations ran 20-60% slower than the
 * rest and Node.js's own time kept falling after: see README's Benchmarks section for the run that chose it.
 */
const WARMUP = 300
const QUICK_WARMUP = 20
/** CPUs left to the benchmark process (emulators, proxies, Runtime APIs) when the environments are not pinned. */
const BENCHMARK_PROCESS_CPUS = 0.5
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    memory: { type: "string" },
    messages: { type: "string" },
    latency: { type: "string", default: String(IN_REGION_ROUND_TRIP_MS) },
    concurrency: { type: "string", default: String(STACK_DEFAULTS.maximumConcurrency) },
    "batch-size": { type: "string", default: String(STACK_DEFAULTS.batchSize) },
    cases: { type: "string", default: "add,read" },
    "no-baseline": { type: "boolean", default: false },
    "no-node": { type: "boolean", default: false },
    node: { type: "string", default: NODE_VERSIONS.at(-1) },
    rounds: { type: "string" },
    "pair-concurrency": { type: "string" },
    "alone-concurrency": { type: "string" },
    warmup: { type: "string" },
    "side-by-side": { type: "boolean", default: false },
    "per-environment": { type: "string", default: "5" },
    "no-managed": { type: "boolean", default: false },
    pin: { type: "boolean", default: false },
    "no-priority": { type: "boolean", default: false },
    "update-readme": { type: "boolean", default: false },
    "bun-env": { type: "string" },
    emulators: { type: "string", default: "inline" },
    help: { type: "boolean", default: false }
  }
})
if (args.help) {
  console.log(usageOf(import.meta.path))
  process.exit(0)
}
const memories = (args.memory ?? (args.quick ? "128,1024" : "128,1024,2048,3072")).split(",").map(Number)
const messages = Number(args.messages ?? (args.quick ? 1_000 : 10_000))
const cases = args.cases!.split(",") as Array<LoadCase>
const warmup = Number(args.warmup ?? (args.quick ? QUICK_WARMUP : WARMUP))
if (!(Number.isInteger(warmup) && warmup >= 0)) throw new Error(`--warmup ${args.warmup}: a whole number, 0 or more`)
const cgroups = detectCgroups()
const loadAtStart = loadavg()[0]!
/** What the machine had: its CPUs and how busy it was (the 1-minute load average, this run's own load included). */
const machineNote = () =>
  `${availableParallelism()} CPUs, load average ${loadAtStart.toFixed(1)} at the start and ${
    loadavg()[0]!.toFixed(1)
  } at the end`
const pinning = pinBenchmark(args.pin!, cgroups.available)
const prioritise = !args["no-priority"] && cgroups.available
const priorityNote = prioritise
  ? `environments' resource groups and ${prioritiseBenchmark()} weigh about ${-BENCHMARK_NICE}x other work ` +
    "when the CPU is contended"
  : `not prioritised over other work on the machine (${args["no-priority"] ? "--no-priority" : "no resource groups"})`
const settings: LoadSettings = {
  prioritise,
  latencyMs: Number(args.latency),
  concurrency: Number(args.concurrency),
  batchSize: Number(args["batch-size"]),
  warmup,
  emulators: emulatorPlacement(args.emulators, "inline"),
  ...(pinning.environmentCpus ? { environmentCpus: pinning.environmentCpus } : {})
}
// What ships: the built layer and function bundle, plus the baseline bundled the same way, so cold
// starts and durations are those of the deployed artefacts.
const shipped = await packagedFunction({ "baseline.js": "bench/baseline/one-at-a-time.ts" })
const pairSchedule = args["side-by-side"] ? "side by side" as const : "alternating" as const
const variants = loadVariants({
  shipped,
  pairSchedule,
  quick: args.quick!,
  baseline: !args["no-baseline"],
  // The same handler for Node.js: bundled as ESM and started by aws-lambda-ric, as a Node custom runtime would.
  ...(args["no-node"] ? {} : {
    node: () => ({
      name: `batched on Node.js ${args.node} + aws-lambda-ric`,
      key: "node",
      function: {
        taskRoot: bundleForNode(ROOT),
        handler: "handler.handler",
        bootstrap: setupNodeRic(ROOT, nodeBinary(ROOT, args.node!))
      }
    })
  }),
  perEnvironment: args["no-managed"] ? 0 : Number(args["per-environment"]),
  concurrency: settings.concurrency,
  ...(args["bun-env"] ? { bunEnv: settingsEnv(args["bun-env"].split(":")) } : {})
})
if (args["bun-env"]) console.error(`this product's function environment adds ${args["bun-env"]} (--bun-env)`)

// Warm the benchmark process itself (emulators, proxies, poller) so the first measured variant's
// cold starts do not pay for it: a short run, discarded.
await runCase({ ...settings, warmup: 0 }, "add", variants[0]!, memories[0]!, 200)
process.stderr.write("(warm-up run above is discarded)\n")

// Bun's second run and its Node.js twin as a pair, each with half the environments; the others
// (Bun's first run among them) alone.
const pairedBun = variants.find((v) => v.key === BUN_PAIRED)
const node = variants.find((v) => v.key === "node")
const pair = pairedBun && node ? [pairedBun, node] as const : undefined
// What the pair's environments have: the CPUs they are pinned to, else all but what the benchmark process
// takes (its emulators, proxies and Runtime APIs: 0.15-0.54 CPUs measured during pair runs, 2026-11-27).
const environmentCpus = pinning.environmentCpus ? 1 : Math.max(1, availableParallelism() - BENCHMARK_PROCESS_CPUS)
const pairSizing = (memoryMb: number) =>
  args["pair-concurrency"]
    ? sizePair(memoryMb, environmentCpus, 2, Number(args["pair-concurrency"]), true)
    : sizePair(memoryMb, environmentCpus, 2, Math.max(1, Math.floor(settings.concurrency / 2)))
/**
 * The runs alone, by the same rule: as many environments as fit (at most --concurrency; Managed
 * Instances at most --concurrency / --per-environment, each serving that many at once), or exactly
 * --alone-concurrency (Managed Instances: that many invocations in flight).
 */
const aloneSizing = (memoryMb: number, perEnvironment = 1) => {
  const wanted = Number(args["alone-concurrency"] ?? settings.concurrency)
  const environments = Math.max(1, Math.ceil(wanted / perEnvironment))
  return sizePair(memoryMb, environmentCpus, 1, environments, args["alone-concurrency"] !== undefined)
}
const managed = variants.find((v) => (v.perEnvironment ?? 1) > 1)
const pairOptions = {
  rounds: Number(args.rounds ?? (args.quick ? 5 : 10)),
  schedule: pairSchedule
}
const results: Array<RunResult> = []
for (const kind of cases) {
  for (const memoryMb of memories) {
    const here: Array<RunResult> = []
    if (pair) {
      const concurrency = pairSizing(memoryMb).perSide
      here.push(...await runPair(settings, kind, pair, memoryMb, messages, { ...pairOptions, concurrency }))
    }
    for (const variant of variants.filter((v) => !pair?.includes(v))) {
      here.push(
        await runCase(
          settings,
          kind,
          variant,
          memoryMb,
          messages,
          aloneSizing(memoryMb, variant.perEnvironment).perSide
        )
      )
    }
    // In the order of the report's tables.
    results.push(...variants.flatMap((v) => here.filter((r) => r.variantKey === v.key)))
  }
}

const report = loadReport(results, {
  date: new Date().toISOString().slice(0, 10),
  messages,
  latencyMs: settings.latencyMs,
  concurrency: settings.concurrency,
  batchSize: settings.batchSize,
  memories,
  cases,
  bunVersion: Bun.version,
  nodeVersion: args.node!,
  warmup,
  aloneNote: `Runs alone (this product, the baselines, Managed Instances), ${
    args["alone-concurrency"]
      ? `--alone-concurrency ${args["alone-concurrency"]}`
      : `sized by the same rule within the ${environmentCpus} CPUs`
  }: ${
    memories.map((m) =>
      `${m} MB ${aloneSizing(m).note}${
        managed ? `, Managed Instances ${aloneSizing(m, managed.perEnvironment).note}` : ""
      }`
    ).join("; ")
  }`,
  limitsNote: cgroups.available
    ? `memory and CPU limited per environment (${cgroups.reason.split(" (")[0]})`
    : `NOT limited (${cgroups.reason})`,
  pinningNote: `${pinning.note}; ${priorityNote}; ${
    settings.emulators === "process"
      ? "each stack's emulators in a process of their own (--emulators process)"
      : "the emulators in the benchmark process (--emulators inline)"
  }`,
  ...(pair
    ? {
      pairNote: `Bun and Node.js ${
        pairOptions.schedule === "side by side"
          ? "side by side (at the same time"
          : "alternating (one after the other"
      }, each on a stack of its own, the same messages to both in ${pairOptions.rounds} rounds; ` +
        `environments per side so that the pair's CPU shares fit the ${environmentCpus} CPU${
          environmentCpus === 1 ? "" : "s"
        } the environments have, as on Lambda each has its share to itself: ${
          memories.map((m) => `${m} MB ${pairSizing(m).note}`).join("; ")
        }): the row "${
          pair[0].name
        }" is compared with Node.js only. This product also ran alone, as did the other variants: that run is the one the baselines and Managed Instances are compared with, and the cost and the chart's; the machine: ${machineNote()}`
    }
    : {})
})
console.log(`\n${report.markdown}`)

// A run writes to a scratch folder; only --update-readme changes what is kept in git.
const outDir = join(ROOT, args["update-readme"] ? "bench/results" : ".cache/bench")
mkdirSync(outDir, { recursive: true })
for (const file of report.files) writeFileSync(join(outDir, file.name), file.content)
console.log(
  `Report, JSON and charts written to ${relative(ROOT, outDir)}/ (${report.files.map((f) => f.name).join(", ")})`
)
if (args["update-readme"]) {
  const readmePath = join(ROOT, "README.md")
  const updated = readmeWithReport(readFileSync(readmePath, "utf8"), report.markdown)
  if (updated) writeFileSync(readmePath, updated)
  console.log(
    updated ? "README.md's bench section now shows this report" : "README.md has no bench markers: left alone"
  )
} else {
  console.log("README.md and bench/results/ left alone: --update-readme writes the report there")
}
if (report.lost > 0 || report.duplicated > 0 || report.unaccounted > 0) process.exit(1)
