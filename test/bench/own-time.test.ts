import { describe, expect, test } from "bun:test"
import { AwsWaits, unionLength } from "../../bench/own-time.ts"

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
