import { describe, expect, test } from "bun:test"
import { Worker } from "node:worker_threads"
import {
  between,
  parseCpuTicks,
  parseMinorFaults,
  parseSchedstat,
  parseSwitches,
  parseThrottling,
  processCounters,
  threadName,
  total
} from "../../bench/thread-stats.ts"

describe("parsers of Linux's counters", () => {
  test("schedstat: ns on the CPU and waiting on a run queue, in ms", () => {
    expect(parseSchedstat("2500000 1000000 42\n")).toEqual({ cpuMs: 2.5, runQueueMs: 1 })
  })
  test("status: voluntary and involuntary switches", () => {
    const status = "Name:\tbun\nvoluntary_ctxt_switches:\t17\nnonvoluntary_ctxt_switches:\t5\n"
    expect(parseSwitches(status)).toEqual({ voluntary: 17, involuntary: 5 })
  })
  test("stat: minor faults, with spaces and parentheses in the command name", () => {
    const stat = "4242 (HTTP Client) (x) S 1 4242 4242 0 -1 4194560 1234 0 7 0 10 5 0 0 20 0 9 0 100"
    expect(parseMinorFaults(stat)).toBe(1234)
    expect(parseCpuTicks(stat)).toBe(15) // utime 10 + stime 5
  })
  test("cpu.stat: cgroup v1 counts ns, v2 µs", () => {
    expect(parseThrottling("nr_periods 10\nnr_throttled 3\nthrottled_time 4000000\n")).toEqual({ periods: 3, ms: 4 })
    expect(parseThrottling("usage_usec 9\nnr_periods 10\nnr_throttled 2\nthrottled_usec 1500\n")).toEqual({
      periods: 2,
      ms: 1.5
    })
    expect(parseThrottling("")).toEqual({ periods: 0, ms: 0 })
  })
  test("thread names: a pool's numbered threads share one name", () => {
    expect(threadName("Bun Pool 3\n")).toBe("Bun Pool")
    expect(threadName("HTTP Client")).toBe("HTTP Client")
    expect(threadName("V8Worker")).toBe("V8Worker")
  })
})

describe.skipIf(process.platform !== "linux")("processCounters on this process (Linux only)", () => {
  test("a busy thread's CPU shows up between two snapshots", async () => {
    const before = processCounters(process.pid)
    const worker = new Worker(
      // A fixed amount of work (tens of ms of CPU), not a wall-clock spin: the same on a loaded machine.
      "const { parentPort } = require('node:worker_threads'); let x = 0; for (let i = 0; i < 5e7; i++) x = (x + i) % 7919;"
        + " parentPort.postMessage(x); setInterval(() => {}, 1000)",
      { eval: true }
    )
    await new Promise((resolve) => worker.once("message", resolve))
    const after = processCounters(process.pid)
    await worker.terminate()
    const delta = between(before, after)
    expect(total(delta).cpuMs).toBeGreaterThan(5)
    expect(delta.minorFaults).toBeGreaterThanOrEqual(0)
    expect([...after.threads.keys()].length).toBeGreaterThan(1)
  }, 15_000)
})
