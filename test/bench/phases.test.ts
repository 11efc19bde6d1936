import { describe, expect, test } from "bun:test"
import { warmUp } from "../../bench/load/pairing.ts"
import { RunPhases, runStatistics, warmupMessages } from "../../bench/load/phases.ts"
import { costOf } from "../../bench/pricing.ts"
import type { InvocationRecord } from "../../local/event-source/event-source-mapping.ts"

/** An invocation of `environmentId` that lasted `durationMs`, billed as much; a cold start when `initMs` is given. */
const invocation = (
  environmentId: number,
  durationMs: number,
  more: { initMs?: number; memoryMb?: number; failed?: boolean } = {}
): InvocationRecord => {
  const report = {
    requestId: `r-${environmentId}-${durationMs}`,
    durationMs,
    billedDurationMs: Math.ceil(durationMs),
    memorySizeMb: 1024,
    maxMemoryUsedMb: more.memoryMb ?? 30,
    ...(more.initMs === undefined ? {} : { initDurationMs: more.initMs })
  }
  return {
    event: { Records: [] },
    result: more.failed
      ? { status: "error", error: { errorMessage: "x", errorType: "Error" }, errorTypeHeader: null, report }
      : { status: "success", payload: "{}", report },
    settlement: { kind: "partial", succeeded: [], failed: [] },
    coldStart: more.initMs !== undefined,
    environmentId,
    startedAt: 0,
    endedAt: durationMs
  }
}

const run = { kind: "add", memoryMb: 1024, latencyMs: 4, ownTime: true } as const

/**
 * Two environments: a warm-up whose invocations are all slow (1,000 ms, 900 of it own time, a cold
 * start each, the most memory), then measured invocations of 10 ms with 4 ms on AWS.
 */
const phasesWithWarmup = () => {
  const phases = new RunPhases()
  phases.add(invocation(1, 1000, { initMs: 300, memoryMb: 60 }), 100)
  phases.add(invocation(2, 1000, { initMs: 500 }), 100)
  phases.add(invocation(1, 1000, { failed: true }), 100)
  phases.endWarmup(2, 40)
  for (let i = 0; i < 4; i++) phases.add(invocation(1 + (i % 2), 10), 4)
  return phases
}

describe("a warm-up invocation never reaches a statistic", () => {
  const stats = runStatistics(phasesWithWarmup(), run)
  test("durations, their percentiles and the chart's samples: the measured invocations only", () => {
    expect(stats.invocations).toBe(4)
    expect(stats.durations).toEqual([10, 10, 10, 10])
    expect(stats.durationMs).toEqual({ max: 10, average: 10, min: 10, p50: 10, p99: 10 })
  })
  test("own time and the wait on AWS", () => {
    expect(stats.ownDurations).toEqual([6, 6, 6, 6])
    expect(stats.ownTime?.ownMs.average).toBe(6)
    expect(stats.ownTime?.awsWaitMs.average).toBe(4)
  })
  test("cost: the measured invocations' billed time", () => {
    expect(stats.cost).toEqual(costOf(1024, [10, 10, 10, 10]))
  })
  test("the warm-up is summed up apart: its size, environments and own averages", () => {
    expect(stats.warmup).toEqual({
      perEnvironment: 2,
      messages: 40,
      invocations: 3,
      environments: 2,
      fewestPerEnvironment: 1,
      averageMs: 1000,
      ownAverageMs: 900
    })
  })
  test("what is the environments' (starts, init, memory) and every failure cover the warm-up too", () => {
    expect(stats.coldStarts).toBe(2)
    expect(stats.initDurationMs).toEqual({ average: 400, max: 500 })
    expect(stats.maxMemoryUsedMb).toBe(60)
    expect(stats.failedInvocations).toBe(1)
  })
})

describe("RunPhases", () => {
  test("without a warm-up every invocation is measured and there is no warm-up line", () => {
    const phases = new RunPhases()
    phases.add(invocation(1, 20, { initMs: 100 }), 4)
    phases.add(invocation(1, 10), 4)
    const stats = runStatistics(phases, run)
    expect(stats.durations).toEqual([20, 10])
    expect(stats.warmup).toBeUndefined()
  })
  test("rounds start after the warm-up: measuredCount counts the measured invocations only", () => {
    const phases = phasesWithWarmup()
    expect(phases.all.length).toBe(7)
    expect(phases.measuredCount).toBe(4)
    expect(phases.measured.every((e) => e.record.result.report.durationMs === 10)).toBe(true)
  })
  test("a warm-up ends once", () => {
    expect(() => phasesWithWarmup().endWarmup(1, 10)).toThrow("already ended")
  })
  test("several invocations per environment: no own time, for the warm-up either", () => {
    const stats = runStatistics(phasesWithWarmup(), { ...run, ownTime: false })
    expect(stats.ownTime).toBeUndefined()
    expect(stats.warmup?.ownAverageMs).toBeNaN()
    expect(stats.warmup?.averageMs).toBe(1000)
  })
})

test("warmupMessages: invocations per environment × environments × batch size; 0 is none", () => {
  expect(warmupMessages(200, 1, 10)).toBe(2000)
  expect(warmupMessages(20, 5, 10)).toBe(1000)
  expect(warmupMessages(0, 5, 10)).toBe(0)
})

describe("warmUp", () => {
  const side = (name: string, log: Array<string>) => ({
    sendWarmup: async (n: number) => void log.push(`${name} send ${n}`),
    drainWarmup: async () => void log.push(`${name} drain`)
  })
  test("a pair's sides are all sent their warm-up before either drains: they warm up at the same time", async () => {
    const log: Array<string> = []
    await warmUp([side("bun", log), side("node", log)], 200)
    expect(log).toEqual(["bun send 200", "node send 200", "bun drain", "node drain"])
  })
  test("--warmup 0: nothing sent, nothing drained", async () => {
    const log: Array<string> = []
    await warmUp([side("bun", log)], 0)
    expect(log).toEqual([])
  })
})
