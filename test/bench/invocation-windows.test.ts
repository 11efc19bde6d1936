import { describe, expect, test } from "bun:test"
import { addWindows, InvocationWindows } from "../../bench/invocation-windows.ts"
import type { ProcessCounters, ThreadCounters } from "../../bench/thread-stats.ts"

/** A process whose threads ran `main` and `jit` ms so far (the main thread's tid is the pid). */
const snapshot = (pid: number, main: number, jit: number): ProcessCounters => {
  const thread = (name: string, cpuMs: number): ThreadCounters & { name: string } => ({
    name,
    cpuMs,
    runQueueMs: 0,
    voluntary: 0,
    involuntary: 0
  })
  const byTid = new Map([[String(pid), thread("bun", main)], [String(pid + 1), thread("JITWorker", jit)]])
  return {
    threads: new Map([["bun", byTid.get(String(pid))!], ["JITWorker", byTid.get(String(pid + 1))!]]),
    byTid,
    minorFaults: main,
    throttledPeriods: 0,
    throttledMs: 0
  }
}

/** Each read of a process returns its next snapshot; `invoke` dispatches and ends one invocation. */
const harness = (size: number, cpu: Map<number, Array<[number, number]>>) => {
  const reads = new Map<number, number>()
  const next = (pid: number) => {
    const i = reads.get(pid) ?? 0
    reads.set(pid, i + 1)
    return cpu.get(pid)![i]!
  }
  // The process's CPU is read right after its threads': 100 ms more than they show (a thread that ended).
  let last: [number, number] = [0, 0]
  const windows = new InvocationWindows(size, (pid) => {
    last = next(pid)
    return snapshot(pid, ...last)
  }, () => last[0] + last[1] + 100 * (reads.get(100) ?? 0))
  const invoke = (pid: number, env: number, cold: boolean, durationMs: number, memory = 30) => {
    windows.dispatch(pid)
    windows.invocation(env, cold, { durationMs, ownMs: durationMs / 2, maxMemoryUsedMb: memory })
  }
  return { windows, invoke }
}

describe("InvocationWindows: an environment's warm invocations in windows", () => {
  test("the cold start left out; counters between the windows' first dispatches; the last window ends now", () => {
    // Snapshots at dispatch 2 (window 1 starts), 4 (window 2 starts), then the final read.
    const { windows, invoke } = harness(2, new Map([[100, [[10, 5], [16, 9], [19, 10]]]]))
    invoke(100, 1, true, 500, 20) // cold start: no window
    invoke(100, 1, false, 10, 25)
    invoke(100, 1, false, 20, 31)
    invoke(100, 1, false, 30, 28)
    const [first, second, ...rest] = windows.windows()
    expect(rest).toEqual([])
    expect(first!.invocations).toBe(2)
    expect(first!.durationMs).toBe(30)
    expect(first!.ownMs).toBe(15)
    expect(first!.maxMemoryMb).toBe(31)
    expect(first!.mainThreadCpuMs).toBe(6)
    expect(first!.counters.threads.get("JITWorker")!.cpuMs).toBe(4)
    expect(first!.counters.minorFaults).toBe(6)
    expect(first!.processCpuMs).toBe(6 + 4 + 100)
    expect(second!.invocations).toBe(1)
    expect(second!.durationMs).toBe(30)
    expect(second!.mainThreadCpuMs).toBe(3)
    expect(second!.processCpuMs).toBe(3 + 1 + 100)
    expect(second!.counters.threads.get("JITWorker")!.cpuMs).toBe(1)
  })

  test("two environments' windows of the same rank add up; a new process starts counting again", () => {
    const { windows, invoke } = harness(
      1,
      new Map([
        [100, [[0, 0], [4, 1], [6, 1]]],
        [200, [[0, 0], [8, 2]]],
        [300, [[0, 0], [1, 0]]]
      ])
    )
    invoke(100, 1, true, 100)
    invoke(200, 2, true, 100)
    invoke(100, 1, false, 10)
    invoke(200, 2, false, 20)
    invoke(100, 1, false, 12)
    // Environment 2 restarts in a new process: its cold start is left out, its next one is window 1 again.
    invoke(300, 2, true, 100)
    invoke(300, 2, false, 40)
    const [first, second] = windows.windows()
    expect(first!.invocations).toBe(3)
    expect(first!.durationMs).toBe(70)
    expect(first!.mainThreadCpuMs).toBe(4 + 8 + 1)
    expect(first!.counters.threads.get("JITWorker")!.cpuMs).toBe(3)
    expect(second!.invocations).toBe(1)
    expect(second!.mainThreadCpuMs).toBe(2)
  })

  test("rounds add up window by window; a window holds at least one invocation", () => {
    const { windows, invoke } = harness(1, new Map([[100, [[0, 0], [3, 1], [4, 1]]]]))
    invoke(100, 1, true, 100)
    invoke(100, 1, false, 10, 40)
    invoke(100, 1, false, 20, 41)
    const once = windows.windows()
    const [first, second] = addWindows([once, once.slice(0, 1)])
    expect(first!.invocations).toBe(2)
    expect(first!.mainThreadCpuMs).toBe(6)
    expect(first!.processCpuMs).toBe(2 * (3 + 1 + 100))
    expect(first!.maxMemoryMb).toBe(40)
    expect(second!.invocations).toBe(1)
    expect(second!.maxMemoryMb).toBe(41)
    expect(() => new InvocationWindows(0)).toThrow()
  })
})
