/**
 * Paired comparison of two variants measured round by round, interleaved: the ratio per round, a 95%
 * confidence interval of the typical ratio, and a verdict against a budget. Pure functions, so that
 * the statistics are tested on known inputs (test/bench/paired-ratio.test.ts) apart from any run.
 *
 * Two intervals, both over rounds (the round, not the invocation, is the independent unit: the
 * invocations of one round share the machine's load):
 * - a paired t interval on the per-round log-ratios, exponentiated: the geometric mean ratio;
 * - a percentile bootstrap of the ratio of the means (what "average duration within 3%" names),
 *   resampling whole rounds so that each round's pair stays together.
 * The verdict needs both to agree.
 */
import { mean } from "./stats.ts"

/**
 * The order in which the variants run in a round: rotated every two rounds and reversed on odd rounds
 * (A B C, C B A, B C A, A C B, ...). Over each pair of rounds a linear drift falls equally on every
 * variant (ABBA), and over the rotations every variant takes every place.
 */
export const roundOrder = (variants: number, round: number): Array<number> => {
  const shift = Math.floor(round / 2) % variants
  const order = Array.from({ length: variants }, (_, i) => (i + shift) % variants)
  return round % 2 === 0 ? order : order.reverse()
}

// ln Γ(x) for x > 0: Lanczos approximation (g = 7, 9 terms), with the reflection formula below 0.5.
const LANCZOS = [
  0.99999999999980993,
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7
]
export const logGamma = (x: number): number => {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x)
  const z = x - 1
  let sum = LANCZOS[0]!
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i)
  const t = z + 7.5
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum)
}

// Continued fraction of the incomplete beta function (modified Lentz), valid for x < (a + 1) / (a + b + 2).
const betaFraction = (x: number, a: number, b: number): number => {
  const tiny = 1e-300
  let c = 1
  let d = 1 - ((a + b) * x) / (a + 1)
  if (Math.abs(d) < tiny) d = tiny
  d = 1 / d
  let h = d
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m
    // even step
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    h *= d * c
    // odd step
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-15) break
  }
  return h
}

/** The regularized incomplete beta function I_x(a, b). */
export const incompleteBeta = (x: number, a: number, b: number): number => {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x))
  return x < (a + 1) / (a + b + 2)
    ? (front * betaFraction(x, a, b)) / a
    : 1 - (front * betaFraction(1 - x, b, a)) / b
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export const studentTCdf = (t: number, df: number): number => {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5)
  return t >= 0 ? 1 - tail : tail
}

/** The quantile of Student's t: the t with P(T ≤ t) = p (bisection on the CDF, to 1e-10). */
export const studentTQuantile = (p: number, df: number): number => {
  if (!(p > 0 && p < 1) || !(df > 0)) return Number.NaN
  if (p === 0.5) return 0
  if (p < 0.5) return -studentTQuantile(1 - p, df)
  let lo = 0
  let hi = 1
  while (studentTCdf(hi, df) < p) hi *= 2
  while (hi - lo > 1e-10 * Math.max(1, hi)) {
    const mid = (lo + hi) / 2
    if (studentTCdf(mid, df) < p) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

export interface Interval {
  /** The point estimate. */
  readonly estimate: number
  readonly lower: number
  readonly upper: number
}

/**
 * Paired t interval on log-ratios: with l_i = ln(ratio_i), mean(l) ± t(1 - α/2, n - 1) · sd(l) / √n,
 * exponentiated. The estimate is the geometric mean of the ratios. Needs at least two rounds.
 */
export const logRatioInterval = (ratios: ReadonlyArray<number>, level = 0.95): Interval => {
  const n = ratios.length
  if (n < 2 || ratios.some((r) => !(r > 0))) return { estimate: Number.NaN, lower: Number.NaN, upper: Number.NaN }
  const logs = ratios.map(Math.log)
  const logMean = mean(logs)
  const variance = logs.reduce((a, l) => a + (l - logMean) ** 2, 0) / (n - 1)
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * Math.sqrt(variance / n)
  return { estimate: Math.exp(logMean), lower: Math.exp(logMean - half), upper: Math.exp(logMean + half) }
}

/** A small seeded generator (xorshift32) in [0, 1): the same seed, the same resamples. */
export const seededRandom = (seed: number): () => number => {
  let state = (seed >>> 0) || 0x9e3779b9
  return () => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state / 4294967296
  }
}

/** The value at quantile q of sorted values (linear interpolation between order statistics). */
export const quantileSorted = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return Number.NaN
  const at = q * (sorted.length - 1)
  const below = Math.floor(at)
  const above = Math.min(sorted.length - 1, below + 1)
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (at - below)
}

/**
 * Percentile bootstrap of the ratio of means, Σ variant / Σ control, over rounds resampled with
 * replacement (each round's pair kept together). The estimate is the ratio of the observed means.
 */
export const bootstrapRatioOfMeans = (
  pairs: ReadonlyArray<readonly [variant: number, control: number]>,
  options: { readonly resamples?: number; readonly seed?: number; readonly level?: number } = {}
): Interval => {
  const n = pairs.length
  if (n < 2) return { estimate: Number.NaN, lower: Number.NaN, upper: Number.NaN }
  const { level = 0.95, resamples = 10_000, seed = 1 } = options
  const random = seededRandom(seed)
  const stats = new Float64Array(resamples)
  for (let b = 0; b < resamples; b++) {
    let v = 0
    let c = 0
    for (let i = 0; i < n; i++) {
      const pair = pairs[Math.floor(random() * n)]!
      v += pair[0]
      c += pair[1]
    }
    stats[b] = v / c
  }
  stats.sort()
  const sorted = Array.from(stats)
  const sum = (k: 0 | 1) => pairs.reduce((a, p) => a + p[k], 0)
  return {
    estimate: sum(0) / sum(1),
    lower: quantileSorted(sorted, (1 - level) / 2),
    upper: quantileSorted(sorted, 1 - (1 - level) / 2)
  }
}

export type Verdict = "within" | "over" | "not proven"

/** Within the budget only if the whole interval is at or below it; over only if it lies wholly above. */
export const verdictOf = (interval: Interval, budget: number): Verdict =>
  interval.upper <= budget ? "within" : interval.lower > budget ? "over" : "not proven"

/** Two methods must agree; where they do not, nothing is proven. */
export const combinedVerdict = (verdicts: ReadonlyArray<Verdict>): Verdict =>
  verdicts.every((v) => v === verdicts[0]) ? verdicts[0] ?? "not proven" : "not proven"

/** The control (two identical variants) must not show a difference: its interval includes 1. */
export const controlHolds = (interval: Interval): boolean => interval.lower <= 1 && interval.upper >= 1

/** Everything the report prints for one variant against the reference, on one measure. */
export interface PairedComparison {
  readonly rounds: number
  readonly ratios: ReadonlyArray<number>
  readonly logT: Interval
  readonly bootstrap: Interval
  readonly verdict: Verdict
}

/** Compares per-round values of a variant with the reference's of the same rounds. */
export const comparePaired = (
  variant: ReadonlyArray<number>,
  reference: ReadonlyArray<number>,
  budget: number,
  options: { readonly resamples?: number; readonly seed?: number } = {}
): PairedComparison => {
  const n = Math.min(variant.length, reference.length)
  const ratios = Array.from({ length: n }, (_, i) => variant[i]! / reference[i]!)
  const logT = logRatioInterval(ratios)
  const bootstrap = bootstrapRatioOfMeans(
    Array.from({ length: n }, (_, i) => [variant[i]!, reference[i]!] as const),
    options
  )
  return {
    rounds: n,
    ratios,
    logT,
    bootstrap,
    verdict: combinedVerdict([verdictOf(logT, budget), verdictOf(bootstrap, budget)])
  }
}
