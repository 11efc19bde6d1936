import { drainQueue, drainQueueReport, scanAll } from "../../local/aws/inspect.ts"
import type { InvocationRecord } from "../../local/event-source/event-source-mapping.ts"
import { progressBar } from "../../local/flow/progress.ts"
import { startSession } from "../../local/flow/session.ts"
import { emfCollector, type EmfTotals } from "../../local/metrics/emf-summary.ts"
import type { AwsProxy } from "../../local/proxy/aws-proxy.ts"
import { proxiedEndpoints } from "../../local/proxy/proxied-endpoints.ts"
import { STACK_DEFAULTS } from "../../local/stack/defaults.ts"
import { AwsWaits, type OwnTimeSummary, summarizeOwnTime } from "../own-time.ts"
import { type Cost, costOf } from "../pricing.ts"
import { mean, percentile } from "../stats.ts"
import { accountAnswers, type Answers, entriesSentTo } from "./answer-accounting.ts"
import { type ContentionSummary, EnvironmentCounters, watchMachine } from "./contention.ts"
import { type RoundSide, roundSizes, type RoundSummary, roundSummary, runRounds, type Schedule } from "./pairing.ts"
import { seedWorkload, sendWorkload } from "./workload.ts"

/** The load benchmark's two cases: add products to DynamoDB; read products and send them to a queue. */
export type LoadCase = "add" | "read"

/** One function under test: what ships, the baseline, the same handler on Node.js, Managed Instances... */
export interface Variant {
  readonly name: string
  readonly key: string
  readonly function?: { readonly taskRoot: string; readonly handler: string; readonly bootstrap?: string }
  readonly env?: Record<string, string>
  /** Lambda Managed Instances: invocations at once per environment, and the environments allowed. */
  readonly perEnvironment?: number
  readonly environments?: number
}

/** What every run of one benchmark shares. */
export interface LoadSettings {
  readonly latencyMs: number
  readonly concurrency: number
  readonly batchSize: number
  /** The CPUs the environments run on (--pin). */
  readonly environmentCpus?: string
  /** Environments' groups weigh more than other work on the machine (bench/load/contention.ts). */
  readonly prioritise?: boolean
}

export interface RunResult {
  readonly case: LoadCase
  readonly variant: string
  readonly variantKey: string
  readonly memoryMb: number
  readonly messages: number
  readonly seconds: number
  readonly invocations: number
  /** Execution environments started, and invocations each served at once. */
  readonly environments: number
  readonly perEnvironment: number
  readonly recordsPerInvocation: number
  readonly durationMs: {
    readonly max: number
    readonly average: number
    readonly min: number
    readonly p50: number
    readonly p99: number
  }
  readonly coldStarts: number
  readonly initDurationMs: { readonly average: number; readonly max: number }
  readonly maxMemoryUsedMb: number
  readonly messagesPerSecond: number
  readonly cost: Cost
  readonly awsRequests: number
  readonly lost: number
  readonly duplicated: number
  /** Read case: the answers the function says it sent beside those found on the output queue. */
  readonly answers?: Answers
  readonly deadLetters: number
  readonly failedInvocations: number
  readonly durations: ReadonlyArray<number>
  /** The function's own metrics (its EMF lines) summed over the run; none for the baselines. */
  readonly metrics: EmfTotals
  /** Undefined with several invocations per environment: its calls cannot be told apart by environment. */
  readonly ownTime: OwnTimeSummary | undefined
  readonly ownDurations: ReadonlyArray<number>
  /** How its rounds ran (alone: one round of all messages; side by side or alternating with its twin). */
  readonly schedule: Schedule
  /** Per round: invocations, average duration and own time (what the paired ratios compare). */
  readonly rounds: ReadonlyArray<RoundSummary>
  /** Per warm invocation: CPU, run-queue wait and throttling of the environments' threads (contention.ts). */
  readonly contention?: ContentionSummary
  /** The machine while the run's rounds ran (a pair: both sides'): each CPU's busy share, the benchmark process's. */
  readonly machine?: MachineLoad
}

export interface MachineLoad {
  /** "cpu0" -> busy share 0..1. */
  readonly cpuBusy: Readonly<Record<string, number>>
  /** The benchmark process (emulators, proxies, event source mappings, Runtime APIs): CPU seconds per second. */
  readonly benchProcessCpus: number
  /** How late the benchmark process's event loop ran a 5 ms timer. */
  readonly eventLoopDelayMs: { readonly average: number; readonly p99: number }
}

/** One variant's stack under test, fed in rounds (send, drain), then accounted for. */
export interface LoadRun extends RoundSide {
  /** Records worked through and invocations so far (progress). */
  readonly progress: () => { readonly records: number; readonly invocations: number }
  /** Accounts for every message, closes the stack and sums the run up. */
  readonly finish: () => Promise<RunResult>
}

export interface RunOptions {
  /** Environments (default: the variant's, else the settings'). */
  readonly concurrency?: number
  readonly schedule?: Schedule
}

/**
 * One case, one variant, one memory size: a fresh local stack, `total` messages to come in rounds
 * (each sent to its input queue and drained through the event source mapping), each environment
 * behind its own latency proxies (which time its AWS calls: the own time), then every message
 * accounted for.
 */
export const startRun = async (
  settings: LoadSettings,
  kind: LoadCase,
  variant: Variant,
  memoryMb: number,
  total: number,
  options: RunOptions = {}
): Promise<LoadRun> => {
  const { latencyMs } = settings
  const invocations: Array<InvocationRecord> = []
  const proxies: Array<AwsProxy> = []
  const emf = emfCollector()
  const waits = new AwsWaits()
  const waited: Array<number> = []
  const counters = new EnvironmentCounters()
  let proxiedAnswers = 0
  const session = await startSession({
    prefix: `bench-${kind}-${variant.key}-${memoryMb}-${Date.now()}`,
    memoryMb,
    concurrency: options.concurrency ?? variant.environments ?? settings.concurrency,
    batchSize: settings.batchSize,
    batchingWindowSeconds: STACK_DEFAULTS.batchingWindowSeconds,
    timeoutSeconds: STACK_DEFAULTS.functionTimeoutSeconds,
    ...(variant.perEnvironment ? { perEnvironment: variant.perEnvironment } : {}),
    ...(variant.function ? { function: variant.function } : {}),
    ...(variant.env ? { functionEnv: variant.env } : {}),
    onLog: (line) => void emf.add(line),
    onDispatch: (env) => counters.dispatch(env.pid),
    onInvocation: (r) => {
      invocations.push(r)
      waited.push(waits.waited(r.environmentId, r.startedAt, r.endedAt))
    },
    // Proxies per environment: each call is timed and belongs to that environment's invocation.
    environmentEndpoints: (stack, id) =>
      proxiedEndpoints(stack, {
        latencyMs,
        onTiming: (start, end) => waits.record(id, start, end),
        // Answers as they leave for the output queue: a witness apart from the function and the queue.
        onCall: (operation, body) => void (proxiedAnswers += entriesSentTo(stack.outputQueueUrl, operation, body))
      }, proxies),
    ...(settings.environmentCpus ? { environmentCpus: settings.environmentCpus } : {}),
    ...(settings.prioritise ? { prioritiseEnvironments: true } : {})
  })
  const { stack } = session
  const close = async () => {
    await session.close()
    await Promise.all(proxies.map((p) => p.stop()))
  }
  const sentIds: Array<string> = []
  const rounds: Array<RoundSummary> = []
  const manyPerEnvironment = (variant.perEnvironment ?? 1) > 1
  let seeded = 0
  let roundStart = 0
  let seconds = 0
  try {
    seeded = await seedWorkload(stack, kind, total)
  } catch (error) {
    await close()
    throw error
  }
  return {
    progress: () => ({
      records: invocations.reduce((n, r) => n + r.event.Records.length, 0),
      invocations: invocations.length
    }),
    send: async (count) => {
      roundStart = invocations.length
      sentIds.push(...await sendWorkload(stack, kind, sentIds.length, count, seeded))
    },
    drain: async () => {
      const started = performance.now()
      await session.mapping.drain()
      // From the round's first invocation: after the first round the mapping is already polling while
      // the round is sent (in the first it starts with the drain).
      const first = invocations[roundStart]?.startedAt ?? started
      seconds += (performance.now() - Math.min(started, first)) / 1000
      const durations = invocations.slice(roundStart).map((r) => r.result.report.durationMs)
      rounds.push(roundSummary(durations, manyPerEnvironment ? [] : waited.slice(roundStart)))
    },
    finish: async () => {
      try {
        // While the environments still run: their threads' counters go with their processes.
        const contention = counters.summary()
        return { ...await account(), contention }
      } finally {
        await close()
      }
    }
  }

  async function account(): Promise<Omit<RunResult, "contention">> {
    const count = sentIds.length
    // Accounting: every message exactly once.
    let lost = 0
    let duplicated = 0
    let answers: Answers | undefined
    if (kind === "add") {
      const products = await scanAll(stack.endpoints.dynamodb, stack.tableName)
      const byPk = new Map(products.map((p) => [String(p.pk), p]))
      lost = sentIds.filter((id, i) => byPk.get(id)?.name !== `bench product ${i}`).length
      // Products are keyed by message id: a repeated add overwrites, so only extra products count.
      duplicated = Math.max(0, products.length - count)
    } else {
      const output = await drainQueueReport(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
      const correlations = output.messages.map((m) => m.MessageAttributes?.correlationId?.StringValue ?? "")
      // Read after the drain: by then every EMF line the environments printed has been read.
      const { invocations: documented, sums } = emf.totals()
      const claimed = documented > 0 ? (sums.ReadsFound ?? 0) + (sums.ReadsNotFound ?? 0) : undefined
      const counted = accountAnswers(sentIds, correlations, claimed)
      lost = counted.lost
      duplicated = counted.duplicated
      answers = {
        claimed,
        proxied: proxiedAnswers,
        found: counted.found,
        unaccounted: counted.unaccounted,
        drainRetries: output.spuriousEmpty,
        leftOnQueue: output.left
      }
    }
    const deadLetters = (await drainQueue(stack.endpoints.sqs, stack.deadLetterQueueUrl)).length
    const reports = invocations.map((r) => r.result.report)
    const durations = reports.map((r) => r.durationMs)
    const inits = reports.flatMap((r) => (r.initDurationMs === undefined ? [] : [r.initDurationMs]))
    return {
      case: kind,
      variant: variant.name,
      variantKey: variant.key,
      memoryMb,
      messages: count,
      seconds,
      invocations: invocations.length,
      environments: session.pool.size,
      perEnvironment: variant.perEnvironment ?? 1,
      recordsPerInvocation: count / invocations.length,
      durationMs: {
        max: Math.max(...durations),
        average: mean(durations),
        min: Math.min(...durations),
        p50: percentile(durations, 50),
        p99: percentile(durations, 99)
      },
      coldStarts: inits.length,
      initDurationMs: { average: inits.length ? mean(inits) : 0, max: inits.length ? Math.max(...inits) : 0 },
      maxMemoryUsedMb: Math.max(...reports.map((r) => r.maxMemoryUsedMb)),
      messagesPerSecond: count / seconds,
      cost: costOf(memoryMb, reports.map((r) => r.billedDurationMs)),
      awsRequests: proxies.reduce((n, p) => n + p.total(), 0),
      lost,
      duplicated,
      ...(answers ? { answers } : {}),
      deadLetters,
      failedInvocations: invocations.filter((r) => r.result.status !== "success").length,
      durations,
      metrics: emf.totals(),
      ...(manyPerEnvironment
        ? { ownTime: undefined, ownDurations: [] }
        : {
          ownTime: summarizeOwnTime(kind, latencyMs, durations, waited),
          ownDurations: durations.map((d, i) => d - waited[i]!)
        }),
      schedule: options.schedule ?? "alone",
      rounds
    }
  }
}

/** A variant alone on the machine: all `count` messages in one round, with a progress bar. */
export const runCase = async (
  settings: LoadSettings,
  kind: LoadCase,
  variant: Variant,
  memoryMb: number,
  count: number
): Promise<RunResult> => {
  const run = await startRun(settings, kind, variant, memoryMb, count)
  const label = `${kind} ${memoryMb} MB ${variant.key}`.padEnd(28)
  const ticker = setInterval(() => {
    const { records, invocations } = run.progress()
    progressBar(records, count, `${label} invocations ${invocations}`)
  }, 250)
  const machine = watchMachine()
  let load: MachineLoad | undefined
  try {
    await run.send(count)
    await run.drain()
    load = machine()
  } catch (error) {
    await run.finish().catch(() => undefined)
    throw error
  } finally {
    clearInterval(ticker)
  }
  const result = await run.finish()
  process.stderr.write(`${progressBar(count, count, `${label} ${result.seconds.toFixed(1)} s`)}\n`)
  if (load) process.stderr.write(`${label.trim()}: ${contentionLine([result], load)}\n`)
  return { ...result, ...(load ? { machine: load } : {}) }
}

export interface PairOptions {
  readonly rounds: number
  readonly schedule: Exclude<Schedule, "alone">
  /** Environments each side gets. */
  readonly concurrency: number
}

/**
 * Two variants (Bun and its Node.js twin), each on a fresh stack of its own with as many environments,
 * fed the same `count` messages in rounds, side by side or alternating (bench/load/pairing.ts).
 */
export const runPair = async (
  settings: LoadSettings,
  kind: LoadCase,
  variants: readonly [Variant, Variant],
  memoryMb: number,
  count: number,
  options: PairOptions
): Promise<[RunResult, RunResult]> => {
  const runs: Array<LoadRun> = []
  try {
    for (const v of variants) {
      runs.push(
        await startRun(settings, kind, v, memoryMb, count, {
          concurrency: options.concurrency,
          schedule: options.schedule
        })
      )
    }
    const sizes = roundSizes(count, options.rounds, settings.batchSize)
    const label = `${kind} ${memoryMb} MB ${variants.map((v) => v.key).join(" + ")}`
    const status = () =>
      runs.map((r, i) => `${variants[i]!.key} ${r.progress().invocations}`).join(", ") + " invocations"
    const done = () => Math.min(...runs.map((r) => r.progress().records))
    const ticker = setInterval(() => progressBar(done(), count, `${label} ${status()}`), 250)
    const machine = watchMachine()
    try {
      await runRounds(runs, sizes, options.schedule, (round) => {
        if (!process.stderr.isTTY) process.stderr.write(`${label}: round ${round + 1}/${sizes.length} done\n`)
      })
    } finally {
      clearInterval(ticker)
    }
    const load = machine()
    process.stderr.write(`${progressBar(count, count, `${label} ${options.schedule}, ${sizes.length} rounds`)}\n`)
    // Every run is finished (its stack closed) even if the other's accounting fails.
    const [a, b] = await Promise.allSettled(runs.splice(0).map((r) => r.finish()))
    if (a?.status === "rejected") throw a.reason
    if (b?.status === "rejected") throw b.reason
    const [bun, node] = [a!.value, b!.value].map((r) => ({ ...r, machine: load }))
    process.stderr.write(`${label}: ${contentionLine([bun!, node!], load)}\n`)
    return [bun!, node!]
  } finally {
    for (const r of runs) await r.finish().catch(() => undefined)
  }
}

/** One line for the log: each side's CPU and run-queue wait per warm invocation, and the machine. */
export const contentionLine = (results: ReadonlyArray<RunResult>, machine: MachineLoad): string =>
  [
    ...results.flatMap((r) =>
      r.contention
        ? [
          `${r.variantKey} CPU ${r.contention.cpuMs.toFixed(2)} ms, run queue ${
            r.contention.runQueueMs.toFixed(2)
          } ms, throttled ${r.contention.throttledPeriods.toFixed(2)} periods per warm invocation (${
            r.contention.threads.slice(0, 4).map((t) => `${t.name} ${t.cpuMs.toFixed(2)}/${t.runQueueMs.toFixed(2)}`)
              .join(", ")
          } ms CPU/run queue)`
        ]
        : []
    ),
    `CPUs busy ${Object.entries(machine.cpuBusy).map(([c, b]) => `${c} ${(b * 100).toFixed(0)}%`).join(" ")}`,
    `benchmark process ${machine.benchProcessCpus.toFixed(2)} CPUs, event-loop delay ${
      machine.eventLoopDelayMs.average.toFixed(2)
    } ms avg, ${machine.eventLoopDelayMs.p99.toFixed(2)} p99`
  ].join("; ")
