import { drainQueue, drainQueueReport, scanAll } from "../../local/aws/inspect.ts"
import type { EmulatorPlacement } from "../../local/aws/local-stack.ts"
import { progressBar } from "../../local/flow/progress.ts"
import { startSession } from "../../local/flow/session.ts"
import { emfCollector, type EmfTotals } from "../../local/metrics/emf-summary.ts"
import type { AwsProxy } from "../../local/proxy/aws-proxy.ts"
import { proxiedEndpoints } from "../../local/proxy/proxied-endpoints.ts"
import { STACK_DEFAULTS } from "../../local/stack/defaults.ts"
import { AwsWaits } from "../own-time.ts"
import { accountAnswers, accountProducts, type Answers, claimedAnswers, entriesSentTo } from "./answer-accounting.ts"
import { type ContentionSummary, EnvironmentCounters, watchMachine } from "./contention.ts"
import {
  type RoundSide,
  roundSizes,
  type RoundSummary,
  roundSummary,
  runRounds,
  type Schedule,
  warmUp,
  type WarmupSide
} from "./pairing.ts"
import { RunPhases, type RunStatistics, runStatistics, warmupMessages } from "./phases.ts"
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
  /** Warm-up invocations per environment before the measured rounds (bench/load/phases.ts); 0: none. */
  readonly warmup?: number
  /** Where each stack's emulators run (local/aws/local-stack.ts); default in this process. */
  readonly emulators?: EmulatorPlacement
}

/**
 * One run, measured rounds only: every statistic leaves the warm-up out (bench/load/phases.ts). What
 * belongs to the environments rather than to invocations (cold starts, init, max memory) and the
 * accounting of every message (lost, duplicated, DLQ, answers) cover the warm-up too.
 */
export interface RunResult extends RunStatistics {
  readonly case: LoadCase
  readonly variant: string
  readonly variantKey: string
  readonly memoryMb: number
  /** Messages of the measured rounds (the warm-up's are in `warmup`). */
  readonly messages: number
  readonly seconds: number
  /** Execution environments started, and invocations each served at once. */
  readonly environments: number
  readonly perEnvironment: number
  readonly recordsPerInvocation: number
  readonly messagesPerSecond: number
  readonly awsRequests: number
  readonly lost: number
  readonly duplicated: number
  /** Read case: the answers the function says it sent beside those found on the output queue. */
  readonly answers?: Answers
  readonly deadLetters: number
  /** The function's own metrics (its EMF lines) summed over the run; none for the baselines. */
  readonly metrics: EmfTotals
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
  /** The benchmark process (proxies, event source mappings, Runtime APIs, inline emulators): CPU seconds per second. */
  readonly benchProcessCpus: number
  /** The emulators' own processes, when they run in them (--emulators process): CPU seconds per second. */
  readonly emulatorProcessCpus?: number
  /** How late the benchmark process's event loop ran a 5 ms timer. */
  readonly eventLoopDelayMs: { readonly average: number; readonly p99: number }
}

/** One variant's stack under test, warmed up, fed in rounds (send, drain), then accounted for. */
export interface LoadRun extends RoundSide, WarmupSide {
  /** The emulators' own process, if they run in one (its CPU goes beside the benchmark process's). */
  readonly emulatorPid?: number
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
  const phases = new RunPhases()
  const proxies: Array<AwsProxy> = []
  // The function's EMF lines, the warm-up's apart: the metrics table is the measured rounds'.
  const warmupEmf = emfCollector()
  const emf = emfCollector()
  let emfNow = emf
  const waits = new AwsWaits()
  const counters = new EnvironmentCounters()
  let proxiedAnswers = 0
  const environments = options.concurrency ?? variant.environments ?? settings.concurrency
  const session = await startSession({
    prefix: `bench-${kind}-${variant.key}-${memoryMb}-${Date.now()}`,
    memoryMb,
    concurrency: environments,
    batchSize: settings.batchSize,
    batchingWindowSeconds: STACK_DEFAULTS.batchingWindowSeconds,
    timeoutSeconds: STACK_DEFAULTS.functionTimeoutSeconds,
    ...(variant.perEnvironment ? { perEnvironment: variant.perEnvironment } : {}),
    ...(variant.function ? { function: variant.function } : {}),
    ...(variant.env ? { functionEnv: variant.env } : {}),
    onLog: (line) => void emfNow.add(line),
    onDispatch: (env) => counters.dispatch(env.pid),
    onInvocation: (r) => phases.add(r, waits.waited(r.environmentId, r.startedAt, r.endedAt)),
    // Proxies per environment: each call is timed and belongs to that environment's invocation.
    environmentEndpoints: (stack, id) =>
      proxiedEndpoints(stack, {
        latencyMs,
        onTiming: (start, end) => waits.record(id, start, end),
        // Answers as they leave for the output queue: a witness apart from the function and the queue.
        onCall: (operation, body) => void (proxiedAnswers += entriesSentTo(stack.outputQueueUrl, operation, body))
      }, proxies),
    ...(settings.environmentCpus ? { environmentCpus: settings.environmentCpus } : {}),
    ...(settings.prioritise ? { prioritiseEnvironments: true } : {}),
    ...(settings.emulators ? { emulators: settings.emulators } : {})
  })
  const { stack } = session
  const close = async () => {
    await session.close()
    await Promise.all(proxies.map((p) => p.stop()))
  }
  // Every message sent, the warm-up's first: the accounting covers them all alike.
  const sentIds: Array<string> = []
  const rounds: Array<RoundSummary> = []
  const manyPerEnvironment = (variant.perEnvironment ?? 1) > 1
  const requestsSoFar = () => proxies.reduce((n, p) => n + p.total(), 0)
  let seeded = 0
  let roundStart = 0
  let seconds = 0
  let warmupSent = 0
  let warmupRequests = 0
  let warmupPerEnvironment = 0
  try {
    seeded = await seedWorkload(stack, kind, total)
  } catch (error) {
    await close()
    throw error
  }
  return {
    ...(stack.emulatorPid === undefined ? {} : { emulatorPid: stack.emulatorPid }),
    progress: () => {
      const measured = phases.measured
      return {
        records: measured.reduce((n, e) => n + e.record.event.Records.length, 0),
        invocations: measured.length
      }
    },
    sendWarmup: async (perEnvironment) => {
      if (sentIds.length > 0) throw new Error("the warm-up comes before everything else")
      warmupPerEnvironment = perEnvironment
      warmupSent = warmupMessages(perEnvironment, environments, settings.batchSize)
      emfNow = warmupEmf
      sentIds.push(...await sendWorkload(stack, kind, 0, warmupSent, seeded))
    },
    drainWarmup: async () => {
      await session.mapping.drain()
      // An invocation's EMF line may reach us just after its answer: wait for the warm-up's last ones.
      const expected = phases.all.length
      const deadline = performance.now() + 2_000
      while (warmupEmf.totals().invocations > 0 && warmupEmf.totals().invocations < expected) {
        if (performance.now() > deadline) break
        await Bun.sleep(10)
      }
      emfNow = emf
      phases.endWarmup(warmupPerEnvironment, warmupSent)
      counters.endWarmup()
      warmupRequests = requestsSoFar()
    },
    send: async (count) => {
      roundStart = phases.measuredCount
      sentIds.push(...await sendWorkload(stack, kind, sentIds.length, count, seeded))
    },
    drain: async () => {
      const started = performance.now()
      await session.mapping.drain()
      const round = phases.measured.slice(roundStart)
      // From the round's first invocation: after the first round the mapping is already polling while
      // the round is sent (in the first it starts with the drain).
      const first = round[0]?.record.startedAt ?? started
      seconds += (performance.now() - Math.min(started, first)) / 1000
      const durations = round.map((e) => e.record.result.report.durationMs)
      rounds.push(roundSummary(durations, manyPerEnvironment ? [] : round.map((e) => e.waitedMs)))
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
    const count = sentIds.length - warmupSent
    // Accounting: every message exactly once, the warm-up's included.
    let lost = 0
    let duplicated = 0
    let answers: Answers | undefined
    if (kind === "add") {
      const products = await scanAll(stack.endpoints.dynamodb, stack.tableName)
      const counted = accountProducts(sentIds, products)
      lost = counted.lost
      duplicated = counted.duplicated
    } else {
      const output = await drainQueueReport(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
      const correlations = output.messages.map((m) => m.MessageAttributes?.correlationId?.StringValue ?? "")
      // Read after the drain: by then every EMF line the environments printed has been read.
      const claimed = claimedAnswers([warmupEmf.totals(), emf.totals()])
      const counted = accountAnswers(sentIds, correlations, claimed)
      lost = counted.lost
      duplicated = counted.duplicated
      answers = {
        requests: sentIds.length,
        claimed,
        proxied: proxiedAnswers,
        found: counted.found,
        unaccounted: counted.unaccounted,
        drainRetries: output.spuriousEmpty,
        leftOnQueue: output.left
      }
    }
    const deadLetters = (await drainQueue(stack.endpoints.sqs, stack.deadLetterQueueUrl)).length
    return {
      case: kind,
      variant: variant.name,
      variantKey: variant.key,
      memoryMb,
      messages: count,
      seconds,
      environments: session.pool.size,
      perEnvironment: variant.perEnvironment ?? 1,
      recordsPerInvocation: count / phases.measuredCount,
      ...runStatistics(phases, { kind, memoryMb, latencyMs, ownTime: !manyPerEnvironment }),
      messagesPerSecond: count / seconds,
      awsRequests: requestsSoFar() - warmupRequests,
      lost,
      duplicated,
      ...(answers ? { answers } : {}),
      deadLetters,
      metrics: emf.totals(),
      schedule: options.schedule ?? "alone",
      rounds
    }
  }
}

/**
 * A variant alone on the machine: the warm-up (settings.warmup invocations per environment), then all
 * `count` messages in one round, with a progress bar. `concurrency`: its environments (bench/lambda.ts
 * sizes them to the CPUs).
 */
export const runCase = async (
  settings: LoadSettings,
  kind: LoadCase,
  variant: Variant,
  memoryMb: number,
  count: number,
  concurrency?: number
): Promise<RunResult> => {
  const run = await startRun(settings, kind, variant, memoryMb, count, concurrency ? { concurrency } : {})
  const label = `${kind} ${memoryMb} MB ${variant.key}`.padEnd(28)
  let load: MachineLoad | undefined
  try {
    await warmUp([run], settings.warmup ?? 0)
    if (settings.warmup) process.stderr.write(`${label.trim()}: warm-up done (${settings.warmup} per environment)\n`)
  } catch (error) {
    await run.finish().catch(() => undefined)
    throw error
  }
  const ticker = setInterval(() => {
    const { records, invocations } = run.progress()
    progressBar(records, count, `${label} invocations ${invocations}`)
  }, 250)
  const machine = watchMachine(emulatorPids([run]))
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
    const label = `${kind} ${memoryMb} MB ${variants.map((v) => v.key).join(" + ")}`
    // Both sides warm up at the same time, on the same messages, as they then run.
    await warmUp(runs, settings.warmup ?? 0)
    if (settings.warmup) process.stderr.write(`${label}: warm-up done (${settings.warmup} per environment)\n`)
    const sizes = roundSizes(count, options.rounds, settings.batchSize)
    const status = () =>
      runs.map((r, i) => `${variants[i]!.key} ${r.progress().invocations}`).join(", ") + " invocations"
    const done = () => Math.min(...runs.map((r) => r.progress().records))
    const ticker = setInterval(() => progressBar(done(), count, `${label} ${status()}`), 250)
    const machine = watchMachine(emulatorPids(runs))
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

const emulatorPids = (runs: ReadonlyArray<LoadRun>): Array<number> =>
  runs.flatMap((r) => (r.emulatorPid === undefined ? [] : [r.emulatorPid]))

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
    `benchmark process ${machine.benchProcessCpus.toFixed(2)} CPUs${
      machine.emulatorProcessCpus === undefined
        ? ""
        : `, emulator processes ${machine.emulatorProcessCpus.toFixed(2)} CPUs`
    }, event-loop delay ${machine.eventLoopDelayMs.average.toFixed(2)} ms avg, ${
      machine.eventLoopDelayMs.p99.toFixed(2)
    } p99`
  ].join("; ")
