/**
 * A load run's invocations in two phases: the warm-up, which every environment serves first so that
 * the JIT compilers (V8's tiers on Node.js, JavaScriptCore's on Bun) have settled, and the measured
 * rounds. Every statistic of the report (durations, own time, per-round ratios, cost, CPU contention)
 * is taken from the measured phase only; the warm-up is summed up apart, in one line, so that nothing
 * is hidden. Pure, tested in test/bench/phases.test.ts.
 */
import type { InvocationRecord } from "../../local/event-source/event-source-mapping.ts"
import { type OwnTimeSummary, summarizeOwnTime } from "../own-time.ts"
import { type Cost, costOf } from "../pricing.ts"
import { mean, percentile } from "../stats.ts"

/** What the report says about a run's warm-up. */
export interface WarmupSummary {
  /** Warm-up invocations asked for per environment, and the messages sent for them. */
  readonly perEnvironment: number
  readonly messages: number
  readonly invocations: number
  /** Environments that served the warm-up, and the fewest invocations one of them served. */
  readonly environments: number
  readonly fewestPerEnvironment: number
  readonly averageMs: number
  /** NaN where own time is not measured (several invocations per environment). */
  readonly ownAverageMs: number
}

/** One invocation and its wait on AWS (NaN where not measured). */
export interface Entry {
  readonly record: InvocationRecord
  readonly waitedMs: number
}

/** The invocations of one run, split at the end of its warm-up. */
export class RunPhases {
  private readonly entries: Array<Entry> = []
  private measuredFrom = 0
  private warmup: { readonly perEnvironment: number; readonly messages: number } | undefined

  add(record: InvocationRecord, waitedMs: number): void {
    this.entries.push({ record, waitedMs })
  }

  /**
   * Call once the warm-up has drained (nothing in flight): every invocation so far was the warm-up's.
   * `perEnvironment` invocations per environment were asked for, in `messages` messages.
   */
  endWarmup(perEnvironment: number, messages: number): void {
    if (this.warmup) throw new Error("the warm-up has already ended")
    this.measuredFrom = this.entries.length
    this.warmup = { perEnvironment, messages }
  }

  /** Everything so far, warm-up included (progress, cold starts, memory: the environments', not the invocations'). */
  get all(): ReadonlyArray<Entry> {
    return this.entries
  }

  /** The invocations every statistic is taken from. */
  get measured(): ReadonlyArray<Entry> {
    return this.entries.slice(this.measuredFrom)
  }

  /** Invocations of the measured phase so far: the start of the next round. */
  get measuredCount(): number {
    return this.entries.length - this.measuredFrom
  }

  /** The warm-up's line in the report; undefined when there was none. */
  warmupSummary(ownTimeMeasured: boolean): WarmupSummary | undefined {
    if (!this.warmup) return undefined
    const warm = this.entries.slice(0, this.measuredFrom)
    const perEnvironment = new Map<number, number>()
    for (const { record } of warm) {
      perEnvironment.set(record.environmentId, (perEnvironment.get(record.environmentId) ?? 0) + 1)
    }
    const durations = warm.map((e) => e.record.result.report.durationMs)
    return {
      ...this.warmup,
      invocations: warm.length,
      environments: perEnvironment.size,
      fewestPerEnvironment: perEnvironment.size ? Math.min(...perEnvironment.values()) : 0,
      averageMs: warm.length ? mean(durations) : Number.NaN,
      ownAverageMs: ownTimeMeasured && warm.length
        ? mean(warm.map((e) => e.record.result.report.durationMs - e.waitedMs))
        : Number.NaN
    }
  }
}

/** Messages a warm-up of `perEnvironment` invocations in each of `environments` environments takes. */
export const warmupMessages = (perEnvironment: number, environments: number, batchSize: number): number =>
  Math.max(0, perEnvironment) * Math.max(1, environments) * batchSize

/** REPORT durations of a run's measured phase, in ms. */
export interface DurationSummary {
  readonly max: number
  readonly average: number
  readonly min: number
  readonly p50: number
  readonly p99: number
}

/** A run's statistics, all from its measured phase, and its warm-up apart (bench/load/run-case.ts's RunResult). */
export interface RunStatistics {
  readonly invocations: number
  readonly durationMs: DurationSummary
  readonly durations: ReadonlyArray<number>
  /** Undefined with several invocations per environment: its calls cannot be told apart by environment. */
  readonly ownTime: OwnTimeSummary | undefined
  readonly ownDurations: ReadonlyArray<number>
  readonly cost: Cost
  /** The environments', warm-up included: every start, and the most memory any invocation used. */
  readonly coldStarts: number
  readonly initDurationMs: { readonly average: number; readonly max: number }
  readonly maxMemoryUsedMb: number
  /** Every failure, the warm-up's too: a failed invocation is a fault to show, not a statistic. */
  readonly failedInvocations: number
  readonly warmup?: WarmupSummary
}

/** What the report takes from a run's invocations: the measured phase's figures, the warm-up's summary. */
export const runStatistics = (
  phases: RunPhases,
  run: { readonly kind: "add" | "read"; readonly memoryMb: number; readonly latencyMs: number; ownTime: boolean }
): RunStatistics => {
  const measured = phases.measured
  const reports = measured.map((e) => e.record.result.report)
  const durations = reports.map((r) => r.durationMs)
  const waited = measured.map((e) => e.waitedMs)
  const everyReport = phases.all.map((e) => e.record.result.report)
  const inits = everyReport.flatMap((r) => (r.initDurationMs === undefined ? [] : [r.initDurationMs]))
  const warmup = phases.warmupSummary(run.ownTime)
  return {
    invocations: measured.length,
    durationMs: {
      max: Math.max(...durations),
      average: mean(durations),
      min: Math.min(...durations),
      p50: percentile(durations, 50),
      p99: percentile(durations, 99)
    },
    durations,
    ...(run.ownTime
      ? {
        ownTime: summarizeOwnTime(run.kind, run.latencyMs, durations, waited),
        ownDurations: durations.map((d, i) => d - waited[i]!)
      }
      : { ownTime: undefined, ownDurations: [] }),
    cost: costOf(run.memoryMb, reports.map((r) => r.billedDurationMs)),
    coldStarts: inits.length,
    initDurationMs: { average: inits.length ? mean(inits) : 0, max: inits.length ? Math.max(...inits) : 0 },
    maxMemoryUsedMb: Math.max(...everyReport.map((r) => r.maxMemoryUsedMb)),
    failedInvocations: phases.all.filter((e) => e.record.result.status !== "success").length,
    ...(warmup ? { warmup } : {})
  }
}
