import { seededRandom } from "../chaos/random.ts"

/**
 * An X-Ray sampling rule: the first `reservoirPerSecond` requests of each second are traced, then
 * `fixedRate` of the rest. X-Ray's default rule, which Lambda applies with active tracing to an
 * invocation that arrives without a trace header (an SQS message sent untraced): "the first request
 * each second, and five percent of any additional requests"
 * (https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html).
 */
export interface SamplingRule {
  readonly reservoirPerSecond: number
  readonly fixedRate: number
}

export const XRAY_DEFAULT_RULE: SamplingRule = { reservoirPerSecond: 1, fixedRate: 0.05 }

/** Traces nothing: every invocation gets `Sampled=0` (what an unsampled invocation costs). */
export const SAMPLE_NOTHING: SamplingRule = { reservoirPerSecond: 0, fixedRate: 0 }

/**
 * The sampling decision per request, as a rule's reservoir and rate make it: the reservoir is
 * counted per wall-clock second (`now`), the rate drawn from `random`.
 */
export const ruleSampler = (rule: SamplingRule, random: () => number, now: () => number = Date.now) => {
  let second = Number.NaN
  let taken = 0
  return (): boolean => {
    const current = Math.floor(now() / 1000)
    if (current !== second) {
      second = current
      taken = 0
    }
    if (taken < rule.reservoirPerSecond) {
      taken++
      return true
    }
    return random() < rule.fixedRate
  }
}

const hex = (random: () => number, digits: number) => {
  let text = ""
  while (text.length < digits) text += Math.floor(random() * 0x1_0000_0000).toString(16).padStart(8, "0")
  return text.slice(0, digits)
}

/**
 * The `Lambda-Runtime-Trace-Id` header Lambda sends with active tracing: a new trace (the root's time
 * in epoch seconds, 24 random hex digits), the id of Lambda's invocation segment, its decision.
 */
export const lambdaTraceHeader = (sampled: boolean, random: () => number, nowMs: number): string => {
  const seconds = Math.floor(nowMs / 1000).toString(16).padStart(8, "0")
  // A parent of all zeros is invalid (the function would not link to it): never send one.
  let parent = hex(random, 16)
  while (/^0+$/.test(parent)) parent = hex(random, 16)
  return `Root=1-${seconds}-${hex(random, 24)};Parent=${parent};Sampled=${sampled ? 1 : 0}`
}

/** Lambda's side of active tracing: a trace header for each invocation of the function. */
export interface LambdaTracing {
  readonly nextTraceHeader: () => string
}

/**
 * Active tracing (`tracing_config { mode = "Active" }`) for a local function: one sampler for all its
 * environments, as Lambda samples per function, deterministic for a seed (the decisions and ids; the
 * reservoir follows the clock).
 */
export const activeTracing = (
  options: { readonly rule?: SamplingRule; readonly seed?: number; readonly now?: () => number } = {}
): LambdaTracing => {
  const random = seededRandom(options.seed ?? 1)
  const now = options.now ?? Date.now
  const sample = ruleSampler(options.rule ?? XRAY_DEFAULT_RULE, random, now)
  return { nextTraceHeader: () => lambdaTraceHeader(sample(), random, now()) }
}
