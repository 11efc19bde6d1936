/**
 * Where a process's time goes outside its JavaScript samples, from Linux's own accounting: per thread,
 * the CPU it ran, the time it waited runnable for a CPU (run-queue delay), and how often it gave the
 * CPU up (voluntary: it blocked) or had it taken (involuntary: preempted); per process, its minor page
 * faults; per cgroup, the CFS periods in which the quota ran out.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"

export interface ThreadCounters {
  readonly cpuMs: number
  readonly runQueueMs: number
  readonly voluntary: number
  readonly involuntary: number
}

export interface ProcessCounters {
  /** By thread name (digits at the end dropped, so that a pool's threads add up), summed over its threads. */
  readonly threads: ReadonlyMap<string, ThreadCounters>
  /** By thread id, to subtract a later snapshot from an earlier one thread by thread. */
  readonly byTid: ReadonlyMap<string, ThreadCounters & { readonly name: string }>
  readonly minorFaults: number
  readonly throttledPeriods: number
  readonly throttledMs: number
}

const ZERO: ThreadCounters = { cpuMs: 0, runQueueMs: 0, voluntary: 0, involuntary: 0 }

const readOr = (path: string): string => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return "" // the thread or process ended between listing and reading
  }
}

/** /proc/<pid>/task/<tid>/schedstat: ns on the CPU, ns waiting on a run queue, time slices. */
export const parseSchedstat = (text: string): { readonly cpuMs: number; readonly runQueueMs: number } => {
  const [cpu = "0", wait = "0"] = text.trim().split(/\s+/)
  return { cpuMs: Number(cpu) / 1e6, runQueueMs: Number(wait) / 1e6 }
}

/** The context switch counts of /proc/<pid>/task/<tid>/status. */
export const parseSwitches = (text: string): { readonly voluntary: number; readonly involuntary: number } => ({
  voluntary: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(text)?.[1] ?? 0),
  involuntary: Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(text)?.[1] ?? 0)
})

/** The fields of /proc/<pid>/stat from the 3rd on (the command name in parentheses may hold spaces). */
const statFields = (text: string): Array<string> => text.slice(text.lastIndexOf(")") + 2).split(" ")

/** minflt of /proc/<pid>/stat (field 10). */
export const parseMinorFaults = (text: string): number => Number(statFields(text)[7] ?? 0)

/** utime + stime of /proc/<pid>/stat (fields 14 and 15), in clock ticks: all threads, exited ones too. */
export const parseCpuTicks = (text: string): number => {
  const fields = statFields(text)
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0)
}

/** nr_throttled and throttled_time (ns; v2: throttled_usec) of a cgroup's cpu.stat. */
export const parseThrottling = (text: string): { readonly periods: number; readonly ms: number } => ({
  periods: Number(/^nr_throttled (\d+)/m.exec(text)?.[1] ?? 0),
  ms: /^throttled_usec (\d+)/m.test(text)
    ? Number(/^throttled_usec (\d+)/m.exec(text)![1]) / 1e3
    : Number(/^throttled_time (\d+)/m.exec(text)?.[1] ?? 0) / 1e6
})

/** The cpu.stat of the process's CPU cgroup (v1 "cpu" controller, else v2), if any. */
const cpuStatPath = (pid: number): string | undefined => {
  for (const line of readOr(`/proc/${pid}/cgroup`).split("\n")) {
    const [, controllers, path] = line.split(":")
    if (path === undefined || path === "/") continue
    if (controllers?.split(",").includes("cpu")) return `/sys/fs/cgroup/cpu${path}/cpu.stat`
    if (controllers === "") return `/sys/fs/cgroup${path}/cpu.stat`
  }
  return undefined
}

/**
 * The CPU of a live process in ms, all its threads, those that ended too (a thread pool's idle thread that
 * exits takes its per-thread counters with it): utime + stime, in clock ticks of 10 ms (USER_HZ 100).
 */
export const processCpuMs = (pid: number): number => parseCpuTicks(readOr(`/proc/${pid}/stat`)) * 10

export const threadName = (comm: string): string => comm.trim().replace(/[\s#\d]+$/, "") || "(unnamed)"

/** A snapshot of a live process's counters. */
export const processCounters = (pid: number): ProcessCounters => {
  const byTid = new Map<string, ThreadCounters & { name: string }>()
  const tasks = `/proc/${pid}/task`
  for (const tid of existsSync(tasks) ? readdirSync(tasks) : []) {
    const name = threadName(readOr(`${tasks}/${tid}/comm`))
    byTid.set(tid, {
      name,
      ...parseSchedstat(readOr(`${tasks}/${tid}/schedstat`)),
      ...parseSwitches(readOr(`${tasks}/${tid}/status`))
    })
  }
  const statPath = cpuStatPath(pid)
  const throttling = parseThrottling(statPath ? readOr(statPath) : "")
  return {
    threads: byName(byTid),
    byTid,
    minorFaults: parseMinorFaults(readOr(`/proc/${pid}/stat`)),
    throttledPeriods: throttling.periods,
    throttledMs: throttling.ms
  }
}

const add = (a: ThreadCounters, b: ThreadCounters, sign = 1): ThreadCounters => ({
  cpuMs: a.cpuMs + sign * b.cpuMs,
  runQueueMs: a.runQueueMs + sign * b.runQueueMs,
  voluntary: a.voluntary + sign * b.voluntary,
  involuntary: a.involuntary + sign * b.involuntary
})

const byName = (byTid: ReadonlyMap<string, ThreadCounters & { readonly name: string }>) => {
  const threads = new Map<string, ThreadCounters>()
  for (const t of byTid.values()) threads.set(t.name, add(threads.get(t.name) ?? ZERO, t))
  return threads
}

/**
 * What happened between two snapshots of one process, thread by thread. A thread that ended in
 * between is lost (Linux keeps no per-thread record of it): the runtimes here keep theirs.
 */
export const between = (before: ProcessCounters, after: ProcessCounters): ProcessCounters => {
  const byTid = new Map<string, ThreadCounters & { name: string }>()
  for (const [tid, t] of after.byTid) byTid.set(tid, { name: t.name, ...add(t, before.byTid.get(tid) ?? ZERO, -1) })
  return {
    threads: byName(byTid),
    byTid,
    minorFaults: after.minorFaults - before.minorFaults,
    throttledPeriods: after.throttledPeriods - before.throttledPeriods,
    throttledMs: after.throttledMs - before.throttledMs
  }
}

/** Counters summed over processes (several environments of one variant). */
export const sum = (all: ReadonlyArray<ProcessCounters>): ProcessCounters => {
  const threads = new Map<string, ThreadCounters>()
  for (const p of all) for (const [name, t] of p.threads) threads.set(name, add(threads.get(name) ?? ZERO, t))
  return {
    threads,
    byTid: new Map(),
    minorFaults: all.reduce((n, p) => n + p.minorFaults, 0),
    throttledPeriods: all.reduce((n, p) => n + p.throttledPeriods, 0),
    throttledMs: all.reduce((n, p) => n + p.throttledMs, 0)
  }
}

export const total = (p: ProcessCounters): ThreadCounters => [...p.threads.values()].reduce((a, t) => add(a, t), ZERO)
