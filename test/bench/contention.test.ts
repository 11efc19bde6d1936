import { describe, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import {
  contentionTable,
  cpusOver,
  cpuUtilisation,
  EnvironmentCounters,
  lagSampler,
  parseCpuTimes,
  sizePair,
  watchMachine
} from "../../bench/load/contention.ts"
import type { ProcessCounters, ThreadCounters } from "../../bench/thread-stats.ts"
import { CPU_PRIORITY, detectCgroups } from "../../local/limits/cgroups.ts"

describe("sizePair: the pair's CPU shares fit the environments' CPUs", () => {
  test("128 MB: 0.07 vCPU each, the 5 wanted fit 1.5 CPUs", () => {
    const s = sizePair(128, 1.5, 2, 5)
    expect(s.perSide).toBe(5)
    expect(s.overcommitted).toBe(false)
    expect(s.shares).toBeCloseTo(10 * (128 / 1769), 6)
  })
  test("1024 MB: 0.58 vCPU each, one per side on 1.5 CPUs (five each would ask 5.8)", () => {
    const s = sizePair(1024, 1.5, 2, 5)
    expect(s.perSide).toBe(1)
    expect(s.overcommitted).toBe(false)
    expect(s.note).toContain("not 5")
  })
  test("more CPUs, more environments, never more than wanted", () => {
    expect(sizePair(1024, 7.5, 2, 5).perSide).toBe(5) // 6 would fit; 5 wanted
    expect(sizePair(1024, 5, 2, 5).perSide).toBe(4) // 8 x 0.579 = 4.63 <= 5; 10 would be 5.79
  })
  test("2048 MB on 1.5 CPUs: even one each is more than the machine has, and the note says so", () => {
    const s = sizePair(2048, 1.5, 2, 5)
    expect(s.perSide).toBe(1)
    expect(s.overcommitted).toBe(true)
    expect(s.note).toContain("more than the machine has")
  })
  test("one side, a run alone: 10 fit at 128 MB, 2 at 1024 MB, 1 from 2048 MB (even so too many)", () => {
    expect(sizePair(128, 1.5, 1, 10)).toMatchObject({ perSide: 10, overcommitted: false })
    expect(sizePair(128, 1.5, 1, 10).note).toBe("10 environments (10 × 0.07 vCPU = 0.72 vCPUs within 1.5 CPUs)")
    const at1024 = sizePair(1024, 1.5, 1, 10)
    expect(at1024).toMatchObject({ perSide: 2, overcommitted: false })
    expect(at1024.note).toBe("2 environments (not 10: 2 × 0.58 vCPU = 1.16 vCPUs within 1.5 CPUs)")
    expect(sizePair(2048, 1.5, 1, 10)).toMatchObject({ perSide: 1, overcommitted: false })
    expect(sizePair(3072, 1.5, 1, 10)).toMatchObject({ perSide: 1, overcommitted: true })
    // Managed Instances: 10 in flight at 5 per environment, 2 environments, which fit at 1024 MB.
    expect(sizePair(1024, 1.5, 1, 2).perSide).toBe(2)
  })
  test("exactly, alone (--alone-concurrency 10): as given, and the note says it is more than the machine has", () => {
    const s = sizePair(1024, 1.5, 1, 10, true)
    expect(s.perSide).toBe(10)
    expect(s.note).toContain("more than the machine has")
  })
  test("exactly: --pair-concurrency as given, still judged", () => {
    const s = sizePair(1024, 1.5, 2, 5, true)
    expect(s.perSide).toBe(5)
    expect(s.overcommitted).toBe(true)
  })
})

describe("/proc/stat", () => {
  const before = "cpu  9 9 9 9 0 0 0 0 0 0\ncpu0 100 0 50 800 50 0 0 0 0 0\ncpu1 10 0 0 990 0 0 0 0 0 0\nintr 1 2\n"
  const after = "cpu  9 9 9 9 0 0 0 0 0 0\ncpu0 160 0 70 810 60 0 0 0 0 0\ncpu1 10 0 0 1090 0 0 0 0 0 0\n"
  test("per CPU (not the summary line): busy is all but idle and iowait", () => {
    const t = parseCpuTimes(before)
    expect([...t.keys()]).toEqual(["cpu0", "cpu1"])
    expect(t.get("cpu0")).toEqual({ busy: 150, total: 1000 })
  })
  test("utilisation between two readings", () => {
    const u = cpuUtilisation(parseCpuTimes(before), parseCpuTimes(after))
    expect(u.get("cpu0")).toBeCloseTo(80 / 100, 9)
    expect(u.get("cpu1")).toBe(0)
  })
  test("this machine's /proc/stat has a line per CPU", () => {
    expect(parseCpuTimes(readFileSync("/proc/stat", "utf8")).size).toBeGreaterThan(0)
  })
})

const counters = (cpuMs: number, runQueueMs: number, throttledPeriods = 0): ProcessCounters => {
  const t: ThreadCounters & { name: string } = { name: "main", cpuMs, runQueueMs, voluntary: 0, involuntary: 1 }
  return {
    threads: new Map([["main", t]]),
    byTid: new Map([["1", t]]),
    minorFaults: 0,
    throttledPeriods,
    throttledMs: 0
  }
}

describe("EnvironmentCounters", () => {
  test("counts from each environment's second dispatch: the cold start's invocation is left out", () => {
    const now = new Map<number, ProcessCounters>([[10, counters(50, 5)], [20, counters(80, 0)]])
    const tracker = new EnvironmentCounters((pid) => now.get(pid)!)
    tracker.dispatch(10) // cold: not counted
    tracker.dispatch(10) // snapshot here
    tracker.dispatch(10)
    tracker.dispatch(20) // only one dispatch: no warm invocation
    tracker.dispatch(undefined)
    now.set(10, counters(70, 25, 1))
    now.set(20, counters(999, 999))
    const s = tracker.summary()
    expect(s.warmInvocations).toBe(2)
    expect(s.cpuMs).toBe(10)
    expect(s.runQueueMs).toBe(10)
    expect(s.throttledPeriods).toBe(0.5)
    expect(s.threads).toEqual([{ name: "main", cpuMs: 10, runQueueMs: 10 }])
  })
  test("after a warm-up: counted from each warmed environment's first dispatch after it, a new one's second", () => {
    const now = new Map<number, ProcessCounters>([[10, counters(50, 5)], [30, counters(0, 0)]])
    const tracker = new EnvironmentCounters((pid) => now.get(pid)!)
    tracker.dispatch(10) // the warm-up: cold
    tracker.dispatch(10) // the warm-up: warm, its counters at this point
    now.set(10, counters(1050, 505)) // the warm-up's work: 1,000 ms CPU, 500 ms waiting
    tracker.endWarmup()
    tracker.dispatch(10) // measured from here
    tracker.dispatch(10)
    tracker.dispatch(30) // started after the warm-up: a cold start, not counted
    tracker.dispatch(30)
    now.set(10, counters(1070, 515))
    now.set(30, counters(6, 2))
    const s = tracker.summary()
    expect(s.warmInvocations).toBe(3)
    expect(s.cpuMs).toBeCloseTo(26 / 3, 9)
    expect(s.runQueueMs).toBeCloseTo(12 / 3, 9)
  })
  test("nothing warm: NaN, not zero", () => {
    expect(new EnvironmentCounters(() => counters(0, 0)).summary().cpuMs).toBeNaN()
  })
})

/** One run's contention, as both contentionTable tests give it. */
const contention = {
  warmInvocations: 90,
  cpuMs: 8.02,
  runQueueMs: 4.57,
  involuntarySwitches: 3,
  throttledPeriods: 0,
  throttledMs: 0,
  threads: []
}

test("contentionTable: a row per measured run, each CPU's busy share", () => {
  const machine = { cpuBusy: { cpu0: 0.5, cpu1: 1 }, benchProcessCpus: 0.29 }
  const lines = contentionTable([
    { variant: "bun", memoryMb: 1024, environments: 1, schedule: "side by side", contention, machine },
    { variant: "baseline", memoryMb: 1024, environments: 10, schedule: "alone" }
  ]).join("\n")
  expect(lines).toContain("| 1024 | bun")
  expect(lines).toContain("| 8.02 ")
  expect(lines).toContain("| 4.57 ")
  expect(lines).toContain("| 50%")
  expect(lines).toContain("| 100%")
  expect(lines).not.toContain("baseline")
  expect(contentionTable([{ variant: "x", memoryMb: 128, environments: 1, schedule: "alone" }])).toEqual([])
})

test("contentionTable: the emulator processes' CPUs beside the benchmark process's, 'inline' where they were not", () => {
  const inline = { cpuBusy: { cpu0: 0.5 }, benchProcessCpus: 0.29 }
  const own = { cpuBusy: { cpu0: 0.5 }, benchProcessCpus: 0.21, emulatorProcessCpus: 0.13 }
  const lines = contentionTable([
    { variant: "bun", memoryMb: 1024, environments: 1, schedule: "alone", contention, machine: inline },
    { variant: "node", memoryMb: 1024, environments: 1, schedule: "alone", contention, machine: own }
  ])
  const rows = lines.join("\n").split("\n").filter((l) => l.startsWith("|"))
    .map((l) => l.split("|").slice(1, -1).map((c) => c.trim()))
  const column = rows[0]!.indexOf("emulator processes CPUs")
  expect(rows[0]![column - 1]).toBe("benchmark process CPUs")
  expect(rows.find((r) => r[1] === "bun")!.slice(column - 1, column + 1)).toEqual(["0.29", "inline"])
  expect(rows.find((r) => r[1] === "node")!.slice(column - 1, column + 1)).toEqual(["0.21", "0.13"])
  // No run with its emulators apart: no such column.
  const before = contentionTable([
    { variant: "bun", memoryMb: 1024, environments: 1, schedule: "alone", contention, machine: inline }
  ])
  expect(before.join("\n")).not.toContain("emulator processes")
})

test("cpusOver: CPU ms over wall seconds, NaN for no time", () => {
  expect(cpusOver(1_000, 1_500, 2)).toBe(0.25)
  expect(cpusOver(0, 10, 0)).toBeNaN()
})

test("watchMachine: the emulator processes' CPU between its two readings, summed; none without them", async () => {
  const cpuMs = new Map([[11, 100], [12, 1_000]])
  const outerStart = performance.now()
  const stop = watchMachine([11, 12], (pid) => cpuMs.get(pid)!)
  await Bun.sleep(20)
  cpuMs.set(11, 150).set(12, 1_050)
  const load = stop()
  const outerSeconds = (performance.now() - outerStart) / 1000
  // 100 ms of CPU (not the 1,200 ms read at the end) over at least the 20 ms slept, at most the time around.
  expect(load.emulatorProcessCpus!).toBeGreaterThanOrEqual(0.1 / outerSeconds)
  expect(load.emulatorProcessCpus!).toBeLessThanOrEqual(0.1 / 0.02)
  expect(watchMachine([])()).not.toHaveProperty("emulatorProcessCpus")
})

test("prioritised groups weigh CPU_PRIORITY times a default one", () => {
  const support = detectCgroups()
  if (!support.available) {
    console.warn(`SKIPPED: prioritised cgroups not checked: ${support.reason}`)
    return
  }
  const group = support.prioritised!().create!(`bun-lambda-${process.pid}-prio-test`, 1024)
  try {
    const cpuDir = support.parents!.find((p) => p.includes("/cpu"))
    const v1 = cpuDir !== undefined && !support.reason.startsWith("cgroup v2")
    const file = v1 ? join(cpuDir, `bun-lambda-${process.pid}-prio-test`, "cpu.shares") : join(
      support.parents![0]!,
      `bun-lambda-${process.pid}-prio-test`,
      "cpu.weight"
    )
    expect(Number(readFileSync(file, "utf8"))).toBe((v1 ? 1024 : 100) * CPU_PRIORITY)
    expect(group.applied().cpus).toBeCloseTo(1024 / 1769, 2) // the quota still caps it
  } finally {
    group.remove()
  }
})

test("lagSampler: a blocked event loop shows as delay", async () => {
  const stop = lagSampler(2)
  await Bun.sleep(10)
  const until = performance.now() + 30
  while (performance.now() < until) {
    // block the event loop for 30 ms
  }
  await Bun.sleep(10)
  const lags = stop()
  expect(lags.length).toBeGreaterThan(0)
  expect(Math.max(...lags)).toBeGreaterThanOrEqual(25)
})
