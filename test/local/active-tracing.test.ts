import { describe, expect, test } from "bun:test"
import { seededRandom } from "../../local/chaos/random.ts"
import {
  activeTracing,
  lambdaTraceHeader,
  ruleSampler,
  SAMPLE_NOTHING,
  XRAY_DEFAULT_RULE
} from "../../local/runtime-api/active-tracing.ts"
import { parseTraceHeader } from "../../src/observability/trace-header.ts"
import { environments, payloadOf } from "../runtime/harness.ts"

const T0 = 1_790_000_000_000
/** A clock the test moves. */
const clock = (start = T0) => {
  let now = start
  return { now: () => now, advance: (ms: number) => void (now += ms) }
}
const count = (sample: () => boolean, n: number, between = () => {}) => {
  let sampled = 0
  for (let i = 0; i < n; i++) {
    if (sample()) sampled++
    between()
  }
  return sampled
}

describe("X-Ray sampling rule, as Lambda applies it with active tracing", () => {
  test("the default rule is X-Ray's: a reservoir of 1 per second, then 5%", () => {
    expect(XRAY_DEFAULT_RULE).toEqual({ reservoirPerSecond: 1, fixedRate: 0.05 })
  })

  test("reservoir: the first request of each second is sampled, the rest only at the rate", () => {
    const c = clock()
    const sample = ruleSampler({ reservoirPerSecond: 1, fixedRate: 0 }, seededRandom(1), c.now)
    // 10 requests a second for 100 s: exactly one a second, and it is the second's first.
    const decisions: Array<boolean> = []
    for (let i = 0; i < 1_000; i++) {
      decisions.push(sample())
      c.advance(100)
    }
    expect(decisions.filter(Boolean)).toHaveLength(100)
    expect(decisions.every((d, i) => d === (i % 10 === 0))).toBe(true)
  })

  test("the reservoir follows the wall-clock second, not a window from the first request", () => {
    const c = clock(T0 + 900)
    const sample = ruleSampler({ reservoirPerSecond: 1, fixedRate: 0 }, seededRandom(1), c.now)
    expect(sample()).toBe(true)
    c.advance(50)
    expect(sample()).toBe(false)
    c.advance(50) // T0 + 1000: a new second, 100 ms after the first request
    expect(sample()).toBe(true)
  })

  test("a reservoir of 3 takes three a second; a quiet second's reservoir is not carried over", () => {
    const c = clock()
    const sample = ruleSampler({ reservoirPerSecond: 3, fixedRate: 0 }, seededRandom(1), c.now)
    expect(count(sample, 10)).toBe(3)
    c.advance(5_000)
    expect(count(sample, 10)).toBe(3)
  })

  test("the rate: 5% of the requests beyond the reservoir", () => {
    const c = clock()
    const sample = ruleSampler(XRAY_DEFAULT_RULE, seededRandom(42), c.now)
    // 20,001 requests in one second: the reservoir's 1, then 20,000 at 5% (binomial: 1,000 ± 31).
    const sampled = count(sample, 20_001)
    expect(sampled - 1).toBeGreaterThan(1_000 - 4 * 31)
    expect(sampled - 1).toBeLessThan(1_000 + 4 * 31)
  })

  test("at 20 requests a second the default rule samples about 1 + 5% of 19: 9.75% of them", () => {
    const c = clock()
    const sample = ruleSampler(XRAY_DEFAULT_RULE, seededRandom(3), c.now)
    // 200,000 requests over 10,000 s; expected 19,500, binomial sd of the rate part ~ 95.
    const sampled = count(sample, 200_000, () => c.advance(50))
    expect(sampled).toBeGreaterThan(19_500 - 4 * 95)
    expect(sampled).toBeLessThan(19_500 + 4 * 95)
  })

  test("rate 1 samples everything, SAMPLE_NOTHING nothing", () => {
    const c = clock()
    expect(count(ruleSampler({ reservoirPerSecond: 0, fixedRate: 1 }, seededRandom(1), c.now), 500)).toBe(500)
    expect(count(ruleSampler(SAMPLE_NOTHING, seededRandom(1), c.now), 500, () => c.advance(400))).toBe(0)
  })
})

describe("Lambda's trace header", () => {
  test("Root, Parent and Sampled as Lambda sends them, read back by the function's own parser", () => {
    const random = seededRandom(9)
    const sampled = lambdaTraceHeader(true, random, T0 + 1_500)
    expect(sampled).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/)
    // The root's time is the request's, in epoch seconds.
    expect(Number.parseInt(sampled.slice(7, 15), 16)).toBe(Math.floor((T0 + 1_500) / 1000))
    expect(parseTraceHeader(sampled)?.sampled).toBe(true)
    const unsampled = lambdaTraceHeader(false, random, T0)
    expect(unsampled.endsWith(";Sampled=0")).toBe(true)
    expect(parseTraceHeader(unsampled)).toMatchObject({ sampled: false })
  })

  test("never a parent of all zeros (the function would not link to it)", () => {
    // The first three parents drawn are all zeros: the header carries the fourth.
    let calls = 0
    const mostlyZeros = () => (++calls > 6 ? 0.5 : 0)
    const header = lambdaTraceHeader(true, mostlyZeros, T0)
    expect(header).toContain("Parent=8000000080000000")
    expect(parseTraceHeader(header)).toBeDefined()
  })

  test("a seed gives the same headers and decisions again; another seed others", () => {
    const headers = (seed: number) => {
      const c = clock()
      const tracing = activeTracing({ seed, now: c.now })
      return Array.from({ length: 200 }, () => {
        c.advance(30)
        return tracing.nextTraceHeader()
      })
    }
    expect(headers(5)).toEqual(headers(5))
    expect(headers(6)).not.toEqual(headers(5))
    const decisions = headers(5).map((h) => parseTraceHeader(h)!.sampled)
    // 6 s of 33 requests a second: the 6 reservoir picks plus a few at 5%.
    expect(decisions.filter(Boolean).length).toBeGreaterThanOrEqual(6)
    expect(decisions.filter(Boolean).length).toBeLessThan(40)
    expect(new Set(headers(5).map((h) => parseTraceHeader(h)!.traceId)).size).toBe(200)
  })
})

describe("an execution environment with active tracing", () => {
  const start = environments()

  test("sends Lambda-Runtime-Trace-Id on every invocation; one given by the caller wins", async () => {
    const { env } = start("handlers.context", { tracing: activeTracing({ seed: 11 }) })
    const first = payloadOf(await env.invoke({})).traceId as string
    const second = payloadOf(await env.invoke({})).traceId as string
    expect(parseTraceHeader(first)).toBeDefined()
    expect(parseTraceHeader(second)).toBeDefined()
    expect(parseTraceHeader(second)!.traceId).not.toBe(parseTraceHeader(first)!.traceId)
    const given = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    expect(payloadOf(await env.invoke({}, { traceId: given })).traceId).toBe(given)
  }, 20_000)
})
