import { describe, expect, test } from "bun:test"
import { AwsWaits, ownRatioForDuration, type OwnTimeSummary, unionLength } from "../../bench/own-time.ts"

describe("unionLength", () => {
  test("sums disjoint intervals", () => {
    expect(unionLength([[0, 2], [5, 6]])).toBe(3)
  })
  test("counts overlapping and nested calls once", () => {
    expect(unionLength([[0, 4], [2, 6], [3, 5]])).toBe(6)
    expect(unionLength([[0, 10], [1, 2], [3, 4]])).toBe(10)
  })
  test("touching intervals join without a gap or double count", () => {
    expect(unionLength([[2, 3], [0, 2]])).toBe(3)
  })
  test("order does not matter", () => {
    expect(unionLength([[5, 8], [0, 1], [4, 6]])).toBe(5)
  })
  test("clips to the window", () => {
    expect(unionLength([[-5, 1], [2, 3], [9, 20]], 0, 10)).toBe(3)
    expect(unionLength([[11, 12]], 0, 10)).toBe(0)
  })
  test("no calls, no wait", () => {
    expect(unionLength([])).toBe(0)
  })
})

describe("AwsWaits", () => {
  test("attributes calls to the environment and window they fall in", () => {
    const waits = new AwsWaits()
    waits.record(1, 1, 3)
    waits.record(1, 2, 4) // in parallel with the first
    waits.record(2, 1, 9) // another environment
    waits.record(1, 12, 14) // environment 1's next invocation, recorded before the first is settled
    expect(waits.waited(1, 0, 10)).toBe(3)
    expect(waits.waited(1, 11, 20)).toBe(2)
    expect(waits.waited(1, 11, 20)).toBe(0) // taken once
    expect(waits.waited(2, 0, 10)).toBe(8)
  })
})

describe("ownRatioForDuration", () => {
  const summary = (own: number, wait: number): OwnTimeSummary => ({
    awsWaitMs: { average: wait, p50: wait },
    ownMs: { average: own, p50: own, p99: own },
    floorMs: 4
  })
  test("the own-time ratio at which Bun's duration is the target times Node.js's, each side's wait its own", () => {
    // Node.js 4 own + 6 wait = 10 ms; Bun waits 6 ms too: 0.8 × 10 − 6 = 2 ms of own time, 0.5x of 4.
    expect(ownRatioForDuration(0.8, summary(3, 6), summary(4, 6))).toBeCloseTo(0.5, 12)
    // Bun's own wait counts: 0.5 ms less of it leaves 0.5 ms more own time.
    expect(ownRatioForDuration(0.8, summary(3, 5.5), summary(4, 6))).toBeCloseTo(0.625, 12)
    // Reaching it exactly: Bun at that own time has a duration of 0.8x.
    const needed = ownRatioForDuration(0.8, summary(0, 6), summary(4, 6)) * 4
    expect((needed + 6) / 10).toBeCloseTo(0.8, 12)
  })
  test("at or below 0 when the wait alone is over the target", () => {
    expect(ownRatioForDuration(0.8, summary(1, 9), summary(2, 9))).toBeLessThan(0)
  })
})
