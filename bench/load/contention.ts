/**
 * Whether a load run measured Lambda or the machine's run queue. On Lambda every environment has its
 * CPU share to itself; here environments share a few cores with each other and with the emulators.
 * So the run records, per variant, what its environments' threads did per warm invocation (CPU, time
 * runnable but waiting for a CPU, throttled CFS periods: bench/thread-stats.ts), and, per run, how busy
 * each CPU was; and it chooses how many environments a side-by-side pair gets so that their CPU shares
 * add up to what the machine has for them. Pure parts tested in test/bench/contention.test.ts.
 */
import { readFileSync } from "node:fs"
import { vcpusFor } from "../../local/limits/lambda-resources.ts"
import { mean, percentile, table } from "../stats.ts"
import { between, type ProcessCounters, processCounters, processCpuMs, sum, total } from "../thread-stats.ts"

/** Per warm invocation (from each environment's second on), all threads of its environment counted. */
export interface ContentionSummary {
  readonly warmInvocations: number
  readonly cpuMs: number
  /** Time the environment's threads were runnable but not running (schedstat's 2nd field). */
  readonly runQueueMs: number
  readonly involuntarySwitches: number
  readonly throttledPeriods: number
  readonly throttledMs: number
  /** Per thread name (a pool's threads summed), the busiest first: CPU and run-queue wait per warm invocation. */
  readonly threads: ReadonlyArray<{ readonly name: string; readonly cpuMs: number; readonly runQueueMs: number }>
}

/**
 * Follows the environments of one run: their counters at their second dispatch (so the cold start
 * is left out), and the dispatches after it. After a warm-up (endWarmup), an environment that served
 * it is counted from its first dispatch after it, one that started later from its second, as before:
 * the warm-up's work never reaches the summary.
 */
export class EnvironmentCounters {
  private readonly dispatched = new Map<number, number>()
  private readonly warm = new Map<number, ProcessCounters>()
  /** Environments that served the warm-up: counted from their first dispatch after it. */
  private readonly warmedUp = new Set<number>()

  constructor(private readonly read: (pid: number) => ProcessCounters = processCounters) {}

  /** Call before each invocation is handed to the environment whose process is `pid`. */
  dispatch(pid: number | undefined): void {
    if (pid === undefined) return
    const n = (this.dispatched.get(pid) ?? 0) + 1
    this.dispatched.set(pid, n)
    if (n === this.firstCounted(pid)) this.warm.set(pid, this.read(pid))
  }

  /** Call once the warm-up has drained: what the environments did until now is left out. */
  endWarmup(): void {
    for (const pid of this.dispatched.keys()) this.warmedUp.add(pid)
    this.dispatched.clear()
    this.warm.clear()
  }

  private firstCounted(pid: number): number {
    return this.warmedUp.has(pid) ? 1 : 2
  }

  /** While the environments still run: what they did since their first counted dispatch, summed. */
  warmCounters(): ProcessCounters {
    return sum([...this.warm].map(([pid, before]) => between(before, this.read(pid))))
  }

  /** While the environments still run: what they did since their first counted dispatch, per invocation. */
  summary(): ContentionSummary {
    const counters = this.warmCounters()
    const invocations = [...this.warm.keys()].reduce(
      (n, pid) => n + this.dispatched.get(pid)! - this.firstCounted(pid) + 1,
      0
    )
    const all = total(counters)
    const per = (x: number) => (invocations > 0 ? x / invocations : Number.NaN)
    return {
      warmInvocations: invocations,
      cpuMs: per(all.cpuMs),
      runQueueMs: per(all.runQueueMs),
      involuntarySwitches: per(all.involuntary),
      throttledPeriods: per(counters.throttledPeriods),
      throttledMs: per(counters.throttledMs),
      threads: [...counters.threads]
        .map(([name, t]) => ({ name, cpuMs: per(t.cpuMs), runQueueMs: per(t.runQueueMs) }))
        .sort((a, b) => b.cpuMs - a.cpuMs)
    }
  }
}

/** Busy and total jiffies per CPU ("cpu0", "cpu1", ...) of /proc/stat. */
export type CpuTimes = ReadonlyMap<string, { readonly busy: number; readonly total: number }>

export const parseCpuTimes = (text: string): CpuTimes => {
  const times = new Map<string, { busy: number; total: number }>()
  for (const line of text.split("\n")) {
    const match = /^(cpu\d+)\s+(.*)$/.exec(line)
    if (!match) continue
    const fields = match[2]!.trim().split(/\s+/).map(Number)
    // user nice system idle iowait irq softirq steal (guest time is already in user): idle and iowait are not busy.
    const all = fields.slice(0, 8).reduce((a, b) => a + b, 0)
    times.set(match[1]!, { busy: all - (fields[3] ?? 0) - (fields[4] ?? 0), total: all })
  }
  return times
}

export const cpuTimes = (): CpuTimes => {
  try {
    return parseCpuTimes(readFileSync("/proc/stat", "utf8"))
  } catch {
    return new Map()
  }
}

/** Each CPU's busy share between two readings of /proc/stat (0..1). */
export const cpuUtilisation = (before: CpuTimes, after: CpuTimes): ReadonlyMap<string, number> =>
  new Map(
    [...after].map(([cpu, a]) => {
      const b = before.get(cpu) ?? { busy: 0, total: 0 }
      const elapsed = a.total - b.total
      return [cpu, elapsed > 0 ? (a.busy - b.busy) / elapsed : Number.NaN]
    })
  )

/** How many environments each of `sides` variants run at once gets (one side: a run alone). */
export interface PairSizing {
  readonly perSide: number
  /** The sum of all environments' CPU shares, in vCPUs, and the CPUs they have. */
  readonly shares: number
  readonly cpus: number
  /** True when even one environment per side exceeds the CPUs: the run queue is in the measure. */
  readonly overcommitted: boolean
  readonly note: string
}

/**
 * The most environments per side (at most `wanted`, at least 1) whose CPU shares, summed over all
 * sides, fit in `cpus`: on Lambda each environment has its share to itself, so a benchmark that gives
 * them more than the machine has measures the run queue (who wins a contended core), not Lambda.
 * `exactly`: `wanted` as given (--pair-concurrency, --alone-concurrency), the note still saying whether it fits.
 * With one side, a run alone: the same rule, so that its durations are not the run queue's either.
 */
export const sizePair = (
  memoryMb: number,
  cpus: number,
  sides: number,
  wanted: number,
  exactly = false
): PairSizing => {
  const share = vcpusFor(memoryMb)
  const fit = Math.floor((cpus + 1e-9) / (share * sides))
  const perSide = exactly ? wanted : Math.max(1, Math.min(wanted, fit))
  const shares = share * sides * perSide
  const overcommitted = shares > cpus + 1e-9
  const shareText = `${sides > 1 ? `${sides} × ` : ""}${perSide} × ${share.toFixed(2)} vCPU = ${shares.toFixed(2)}`
  const environments = `${perSide} environment${perSide > 1 ? "s" : ""}${sides > 1 ? " each" : ""}`
  const note = overcommitted
    ? `${environments}: ${shareText} vCPUs on ${cpus} CPU${
      cpus === 1 ? "" : "s"
    }, more than the machine has even so (the run-queue wait per invocation says how much it cost)`
    : `${environments} (${perSide < wanted ? `not ${wanted}: ` : ""}${shareText} vCPUs within ${cpus} CPU${
      cpus === 1 ? "" : "s"
    })`
  return { perSide, shares, cpus, overcommitted, note }
}

/**
 * How late a timer of `intervalMs` fires, sample by sample: the benchmark process's event-loop delay,
 * which its Runtime APIs, proxies and emulators (one JavaScript thread for both sides of a pair) add
 * to every request they answer and to the durations they time.
 */
export const lagSampler = (intervalMs = 5) => {
  const lags: Array<number> = []
  let expected = performance.now() + intervalMs
  const timer = setInterval(() => {
    const now = performance.now()
    lags.push(Math.max(0, now - expected))
    expected = now + intervalMs
  }, intervalMs)
  return () => {
    clearInterval(timer)
    return lags
  }
}

/** CPUs (CPU seconds per second) of processes whose CPU was `beforeMs` then `afterMs` in all, over `seconds`. */
export const cpusOver = (beforeMs: number, afterMs: number, seconds: number): number =>
  seconds > 0 ? (afterMs - beforeMs) / 1000 / seconds : Number.NaN

/**
 * How busy the machine was from now until the returned function is called; `emulatorPids`: the emulators'
 * own processes, if they run in them, whose CPU is then counted beside the benchmark process's.
 */
export const watchMachine = (emulatorPids: ReadonlyArray<number> = [], cpuMsOf = processCpuMs) => {
  const cpusBefore = cpuTimes()
  const ownBefore = process.cpuUsage()
  const emulatorsBefore = emulatorPids.reduce((ms, pid) => ms + cpuMsOf(pid), 0)
  const started = performance.now()
  const lags = lagSampler()
  return () => {
    const own = process.cpuUsage(ownBefore)
    const seconds = (performance.now() - started) / 1000
    const delays = lags()
    const emulatorsAfter = emulatorPids.reduce((ms, pid) => ms + cpuMsOf(pid), 0)
    return {
      cpuBusy: Object.fromEntries(cpuUtilisation(cpusBefore, cpuTimes())),
      benchProcessCpus: seconds > 0 ? (own.user + own.system) / 1e6 / seconds : Number.NaN,
      ...(emulatorPids.length > 0 ? { emulatorProcessCpus: cpusOver(emulatorsBefore, emulatorsAfter, seconds) } : {}),
      eventLoopDelayMs: {
        average: delays.length ? mean(delays) : Number.NaN,
        p99: delays.length ? percentile(delays, 99) : Number.NaN
      }
    }
  }
}

/** What the contention table needs of a run (bench/load/run-case.ts's RunResult). */
export interface ContendedRun {
  readonly variant: string
  readonly memoryMb: number
  readonly environments: number
  readonly schedule: string
  readonly contention?: ContentionSummary
  readonly machine?: {
    readonly cpuBusy: Readonly<Record<string, number>>
    readonly benchProcessCpus: number
    readonly emulatorProcessCpus?: number
    readonly eventLoopDelayMs?: { readonly average: number; readonly p99: number }
  }
}

const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "-")

/**
 * Markdown: per run, what its environments' threads did per warm invocation, and how busy the machine
 * was. A run-queue wait near the CPU time or above it says the run measured the machine's contention.
 */
export const contentionTable = (runs: ReadonlyArray<ContendedRun>): Array<string> => {
  const measured = runs.filter((r) => r.contention && r.contention.warmInvocations > 0)
  if (measured.length === 0) return []
  const cpus = [...new Set(measured.flatMap((r) => Object.keys(r.machine?.cpuBusy ?? {})))].sort()
  // Only when some run had the emulators in processes of their own (--emulators process).
  const emulatorColumn = measured.some((r) => r.machine?.emulatorProcessCpus !== undefined)
  const header = [
    "MB",
    "variant",
    "envs",
    "run",
    "warm invocations",
    "CPU ms",
    "run queue ms",
    "involuntary switches",
    "throttled periods",
    ...cpus.map((c) => `${c} busy`),
    "benchmark process CPUs",
    ...(emulatorColumn ? ["emulator processes CPUs"] : []),
    "its event-loop delay avg / p99 ms"
  ]
  const rows = measured.map((r) => {
    const c = r.contention!
    return [
      String(r.memoryMb),
      r.variant,
      String(r.environments),
      r.schedule,
      String(c.warmInvocations),
      ms(c.cpuMs),
      ms(c.runQueueMs),
      c.involuntarySwitches.toFixed(1),
      c.throttledPeriods.toFixed(2),
      ...cpus.map((cpu) => {
        const busy = r.machine?.cpuBusy[cpu]
        return busy === undefined || !Number.isFinite(busy) ? "-" : `${(busy * 100).toFixed(0)}%`
      }),
      r.machine ? r.machine.benchProcessCpus.toFixed(2) : "-",
      ...(emulatorColumn ?
        [r.machine?.emulatorProcessCpus === undefined ? "inline" : r.machine.emulatorProcessCpus.toFixed(2)] :
        []),
      r.machine?.eventLoopDelayMs
        ? `${ms(r.machine.eventLoopDelayMs.average)} / ${ms(r.machine.eventLoopDelayMs.p99)}`
        : "-"
    ]
  })
  return [
    "CPU contention, per warm invocation of the measured rounds (not the warm-up; an environment started " +
    "after it from its second; all threads of the environments, from Linux's schedstat): CPU time, " +
    "time runnable but waiting for a CPU (run queue), preemptions and throttled CFS periods; each CPU's busy " +
    "share (all of the machine's work) and the benchmark process's (proxies, Runtime APIs, the emulators unless " +
    "they ran in processes of their own, whose CPU is then beside it) while " +
    "the run's rounds ran, with how late its event loop ran a 5 ms timer (a delay there lands in durations and " +
    "own times: the Runtime API times the duration, one JavaScript thread serves both sides of a pair). " +
    "On Lambda an environment has its CPU share to itself: a run-queue wait that is " +
    "not small beside the CPU time is this machine's contention, in the duration and the own time alike:",
    "",
    table(header, rows),
    ""
  ]
}
