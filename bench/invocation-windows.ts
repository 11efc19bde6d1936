/**
 * An environment's life in windows of `size` warm invocations (from its second invocation on): per window,
 * what its invocations took (duration, own time, Max Memory Used) and what its threads did (thread-stats.ts),
 * so that a setting's warm-up (a compiler thread busy over the first hundreds of invocations) shows apart
 * from its steady state. Several environments' windows of the same rank add up (invocations 2 to size+1 of
 * each, and so on). Used by bench/profile.ts --window; tested in test/bench/invocation-windows.test.ts.
 */
import { between, type ProcessCounters, processCounters, processCpuMs, sum } from "./thread-stats.ts"

/** One window's sums (not means), so that rounds add up before they are divided. */
export interface WindowTotals {
  readonly invocations: number
  readonly durationMs: number
  readonly ownMs: number
  readonly maxMemoryMb: number
  /** Every thread of the environments, by name (thread-stats.ts). */
  readonly counters: ProcessCounters
  /** The process's main thread (the JavaScript thread of both runtimes): its CPU. */
  readonly mainThreadCpuMs: number
  /**
   * The processes' CPU, threads that ended in the window included (10 ms ticks): JavaScriptCore's JIT
   * workers exit when idle for a while and start again, and an ended thread's counters are gone.
   */
  readonly processCpuMs: number
}

interface Timings {
  durationMs: number
  ownMs: number
  maxMemoryMb: number
  invocations: number
}

export class InvocationWindows {
  /** Per process: dispatches so far, and its counters at the start of each window. */
  private readonly processes = new Map<
    number,
    { dispatched: number; starts: Array<{ counters: ProcessCounters; cpuMs: number }> }
  >()
  /** Per environment: invocations of its current process so far, and timings per window. */
  private readonly environments = new Map<number, { invoked: number }>()
  private readonly timings: Array<Timings> = []

  constructor(
    readonly size: number,
    private readonly read: (pid: number) => ProcessCounters = processCounters,
    private readonly cpuOf: (pid: number) => number = processCpuMs
  ) {
    if (!(size >= 1)) throw new Error(`a window holds at least one invocation, not ${size}`)
  }

  /** Call before each invocation is handed to the environment whose process is `pid`. */
  dispatch(pid: number | undefined): void {
    if (pid === undefined) return
    const p = this.processes.get(pid) ?? { dispatched: 0, starts: [] }
    this.processes.set(pid, p)
    p.dispatched++
    // Dispatch 2, 2 + size, 2 + 2 size...: the counters as the window's first invocation starts.
    if (p.dispatched >= 2 && (p.dispatched - 2) % this.size === 0) p.starts.push(this.mark(pid))
  }

  private mark(pid: number) {
    return { counters: this.read(pid), cpuMs: this.cpuOf(pid) }
  }

  /** Call as each invocation of environment `environmentId` ends (in its order); a cold start counts from 1 again. */
  invocation(
    environmentId: number,
    coldStart: boolean,
    r: { readonly durationMs: number; readonly ownMs: number; readonly maxMemoryUsedMb: number }
  ): void {
    const e = this.environments.get(environmentId) ?? { invoked: 0 }
    this.environments.set(environmentId, e)
    e.invoked = coldStart ? 1 : e.invoked + 1
    if (e.invoked < 2) return
    const index = Math.floor((e.invoked - 2) / this.size)
    while (this.timings.length <= index) this.timings.push({ durationMs: 0, ownMs: 0, maxMemoryMb: 0, invocations: 0 })
    const w = this.timings[index]!
    w.durationMs += r.durationMs
    w.ownMs += r.ownMs
    w.maxMemoryMb = Math.max(w.maxMemoryMb, r.maxMemoryUsedMb)
    w.invocations++
  }

  /** While the environments still run: each window's totals, the last one ending now (it may be shorter). */
  windows(): Array<WindowTotals> {
    const perProcess = [...this.processes].map(([pid, p]) => {
      const marks = [...p.starts, this.mark(pid)]
      return p.starts.map((start, i) => {
        const counters = between(start.counters, marks[i + 1]!.counters)
        return {
          counters,
          mainThreadCpuMs: counters.byTid.get(String(pid))?.cpuMs ?? 0,
          processCpuMs: marks[i + 1]!.cpuMs - start.cpuMs
        }
      })
    })
    return this.timings.map((t, i) => {
      const parts = perProcess.flatMap((windows) => (windows[i] ? [windows[i]] : []))
      return { ...t, ...threadTotals(parts) }
    })
  }
}

/** Windows of the same rank from several runs (rounds) added up. */
export const addWindows = (runs: ReadonlyArray<ReadonlyArray<WindowTotals>>): Array<WindowTotals> =>
  Array.from({ length: Math.max(0, ...runs.map((r) => r.length)) }, (_, i) => {
    const parts = runs.flatMap((r) => (r[i] ? [r[i]] : []))
    return {
      invocations: parts.reduce((n, p) => n + p.invocations, 0),
      durationMs: parts.reduce((n, p) => n + p.durationMs, 0),
      ownMs: parts.reduce((n, p) => n + p.ownMs, 0),
      maxMemoryMb: Math.max(0, ...parts.map((p) => p.maxMemoryMb)),
      ...threadTotals(parts)
    }
  })

type ThreadTotals = Pick<WindowTotals, "counters" | "mainThreadCpuMs" | "processCpuMs">

/** What the threads did in windows of the same rank (several processes', or several runs'), added up. */
const threadTotals = (parts: ReadonlyArray<ThreadTotals>): ThreadTotals => ({
  counters: sum(parts.map((p) => p.counters)),
  mainThreadCpuMs: parts.reduce((n, p) => n + p.mainThreadCpuMs, 0),
  processCpuMs: parts.reduce((n, p) => n + p.processCpuMs, 0)
})
