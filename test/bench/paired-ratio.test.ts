import { describe, expect, test } from "bun:test"
import {
  bootstrapRatioOfMeans,
  combinedVerdict,
  comparePaired,
  controlHolds,
  incompleteBeta,
  logGamma,
  logRatioInterval,
  quantileSorted,
  roundOrder,
  seededRandom,
  studentTCdf,
  studentTQuantile,
  verdictOf
} from "../../bench/paired-ratio.ts"

describe("Student's t", () => {
  // Two-sided 95% and other critical values from printed t tables.
  test.each([
    [0.975, 1, 12.7062],
    [0.975, 2, 4.3027],
    [0.975, 5, 2.5706],
    [0.975, 10, 2.2281],
    [0.975, 30, 2.0423],
    [0.975, 120, 1.9799],
    [0.95, 4, 2.1318],
    [0.995, 20, 2.8453]
  ])("quantile %p with %p degrees of freedom is %p", (p, df, expected) => {
    expect(studentTQuantile(p, df)).toBeCloseTo(expected, 4)
  })
  test("with many degrees of freedom it is the normal quantile", () => {
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.959964, 4)
  })
  test("is symmetric, and the CDF inverts it", () => {
    expect(studentTQuantile(0.025, 7)).toBeCloseTo(-studentTQuantile(0.975, 7), 10)
    expect(studentTQuantile(0.5, 3)).toBe(0)
    expect(studentTCdf(studentTQuantile(0.9, 6), 6)).toBeCloseTo(0.9, 9)
    // One degree of freedom is the Cauchy distribution: P(T ≤ 1) = 3/4.
    expect(studentTCdf(1, 1)).toBeCloseTo(0.75, 12)
  })
  test("refuses what is not a probability", () => {
    expect(studentTQuantile(1, 5)).toBeNaN()
    expect(studentTQuantile(0.9, 0)).toBeNaN()
  })
  test("its building blocks match closed forms", () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12)
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12)
    // I_0.3(2, 3) = Σ_{j=2..4} C(4, j) 0.3^j 0.7^(4-j) = 0.3483
    expect(incompleteBeta(0.3, 2, 3)).toBeCloseTo(0.3483, 12)
    expect(incompleteBeta(0.9, 2, 3)).toBeCloseTo(1 - (0.1 ** 4 + 4 * 0.1 ** 3 * 0.9), 12)
  })
})

describe("logRatioInterval", () => {
  test("a known sample: log-ratios 0, 0.01, 0.02, 0.03, 0.04", () => {
    // mean 0.02, sd 0.0158114, n 5, t(0.975, 4) = 2.776445: half-width 0.0196324.
    const interval = logRatioInterval([0, 0.01, 0.02, 0.03, 0.04].map(Math.exp))
    expect(interval.estimate).toBeCloseTo(Math.exp(0.02), 10)
    expect(interval.lower).toBeCloseTo(Math.exp(0.02 - 0.0196324), 6)
    expect(interval.upper).toBeCloseTo(Math.exp(0.02 + 0.0196324), 6)
  })
  test("identical ratios give a zero-width interval at them", () => {
    expect(logRatioInterval([1.02, 1.02, 1.02])).toEqual({ estimate: 1.02, lower: 1.02, upper: 1.02 })
  })
  test("is symmetric in the ratio's direction: swapping variant and reference inverts the interval", () => {
    const ratios = [0.97, 1.05, 1.01, 0.99, 1.08, 1.02]
    const forward = logRatioInterval(ratios)
    const backward = logRatioInterval(ratios.map((r) => 1 / r))
    expect(backward.lower).toBeCloseTo(1 / forward.upper, 12)
    expect(backward.upper).toBeCloseTo(1 / forward.lower, 12)
  })
  test("needs two rounds and positive ratios", () => {
    expect(logRatioInterval([1.01]).upper).toBeNaN()
    expect(logRatioInterval([1.01, 0]).upper).toBeNaN()
  })
})

describe("bootstrapRatioOfMeans", () => {
  test("the estimate is the ratio of the means; identical rounds give no spread", () => {
    const interval = bootstrapRatioOfMeans([[102, 100], [204, 200], [51, 50]])
    expect(interval.estimate).toBeCloseTo(357 / 350, 12)
    expect(interval.lower).toBeCloseTo(1.02, 12)
    expect(interval.upper).toBeCloseTo(1.02, 12)
  })
  test("lies within the range a resample can reach, and is reproducible by seed", () => {
    const pairs = [[101, 100], [97, 100], [105, 100], [99, 100], [103, 100], [100, 100]] as const
    const a = bootstrapRatioOfMeans(pairs, { seed: 7 })
    expect(bootstrapRatioOfMeans(pairs, { seed: 7 })).toEqual(a)
    expect(a.lower).toBeGreaterThanOrEqual(0.97)
    expect(a.upper).toBeLessThanOrEqual(1.05)
    expect(a.lower).toBeLessThan(a.estimate)
    expect(a.upper).toBeGreaterThan(a.estimate)
  })
  test("agrees with the t interval on a large normal-ish sample", () => {
    // Ratios 1 + small symmetric deviations: both intervals should be close to each other.
    const random = seededRandom(42)
    const ratios = Array.from({ length: 400 }, () => 1.01 + (random() + random() + random() - 1.5) * 0.05)
    const t = logRatioInterval(ratios)
    const b = bootstrapRatioOfMeans(ratios.map((r) => [r * 100, 100] as const), { seed: 3 })
    expect(Math.abs(b.lower - t.lower)).toBeLessThan(0.002)
    expect(Math.abs(b.upper - t.upper)).toBeLessThan(0.002)
  })
  test("covers the true ratio about 95% of the time", () => {
    // 400 simulated runs of 20 rounds, true ratio 1.02, per-round noise 5%: coverage 0.95 ± ~0.03.
    const random = seededRandom(11)
    let coveredT = 0
    let coveredB = 0
    const runs = 400
    for (let run = 0; run < runs; run++) {
      const pairs = Array.from({ length: 20 }, () => {
        const control = 100 * (1 + (random() - 0.5) * 0.4)
        const noise = (random() + random() + random() + random() - 2) * 0.085
        return [control * 1.02 * Math.exp(noise), control] as const
      })
      const t = logRatioInterval(pairs.map(([v, c]) => v / c))
      const b = bootstrapRatioOfMeans(pairs, { seed: run + 1, resamples: 2_000 })
      if (t.lower <= 1.02 && 1.02 <= t.upper) coveredT++
      if (b.lower <= 1.02 && 1.02 <= b.upper) coveredB++
    }
    expect(coveredT / runs).toBeGreaterThan(0.92)
    expect(coveredT / runs).toBeLessThan(0.98)
    // The percentile bootstrap is known to under-cover a little with 20 rounds.
    expect(coveredB / runs).toBeGreaterThan(0.89)
  }, 20_000)
})

describe("verdicts", () => {
  test("within only when the upper bound is at or below the budget; over only when the lower bound is above", () => {
    expect(verdictOf({ estimate: 1.0, lower: 0.98, upper: 1.03 }, 1.03)).toBe("within")
    expect(verdictOf({ estimate: 1.02, lower: 1.0, upper: 1.031 }, 1.03)).toBe("not proven")
    expect(verdictOf({ estimate: 1.05, lower: 1.03, upper: 1.07 }, 1.03)).toBe("not proven")
    expect(verdictOf({ estimate: 1.05, lower: 1.031, upper: 1.07 }, 1.03)).toBe("over")
    expect(verdictOf({ estimate: Number.NaN, lower: Number.NaN, upper: Number.NaN }, 1.03)).toBe("not proven")
  })
  test("two methods must agree", () => {
    expect(combinedVerdict(["within", "within"])).toBe("within")
    expect(combinedVerdict(["within", "not proven"])).toBe("not proven")
    expect(combinedVerdict(["over", "over"])).toBe("over")
    expect(combinedVerdict([])).toBe("not proven")
  })
  test("the control holds when its interval includes 1", () => {
    expect(controlHolds({ estimate: 1.01, lower: 0.99, upper: 1.03 })).toBe(true)
    expect(controlHolds({ estimate: 1.03, lower: 1.01, upper: 1.05 })).toBe(false)
  })
  test("comparePaired pairs round by round", () => {
    const c = comparePaired([101, 204, 99, 303], [100, 200, 100, 300], 1.03)
    expect(c.ratios).toEqual([1.01, 1.02, 0.99, 1.01])
    expect(c.bootstrap.estimate).toBeCloseTo(707 / 700, 12)
    expect(c.verdict).toBe("within")
    expect(comparePaired([110, 220, 105, 330], [100, 200, 100, 300], 1.03).verdict).toBe("over")
  })
})

describe("roundOrder", () => {
  test("reverses every other round and rotates every two", () => {
    expect([0, 1, 2, 3, 4, 5].map((r) => roundOrder(3, r).join(""))).toEqual([
      "012",
      "210",
      "120",
      "021",
      "201",
      "102"
    ])
  })
  test("each pair of rounds gives every variant the same mean position (drift cancels)", () => {
    for (const variants of [2, 3, 4, 5]) {
      for (let pair = 0; pair < 2 * variants; pair++) {
        const a = roundOrder(variants, 2 * pair)
        const b = roundOrder(variants, 2 * pair + 1)
        for (let v = 0; v < variants; v++) expect(a.indexOf(v) + b.indexOf(v)).toBe(variants - 1)
      }
    }
  })
  test("over a full rotation every variant takes every place", () => {
    const variants = 4
    const places = Array.from({ length: variants }, () => new Set<number>())
    for (let r = 0; r < 2 * variants; r++) roundOrder(variants, r).forEach((v, place) => places[v]!.add(place))
    for (const p of places) expect(p.size).toBe(variants)
  })
})

test("quantileSorted interpolates between order statistics", () => {
  expect(quantileSorted([1, 2, 3, 4, 5], 0.5)).toBe(3)
  expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5)
  expect(quantileSorted([1, 2, 3, 4, 5], 0.025)).toBeCloseTo(1.1, 12)
  expect(quantileSorted([], 0.5)).toBeNaN()
})
