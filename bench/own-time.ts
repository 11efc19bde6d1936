/**
 * The function's own time: an invocation's duration minus the time it spent waiting on AWS. The
 * waits are measured outside the function, by the latency proxies in front of the emulators, so
 * that every runtime is measured the same way: each environment has its own proxies, and a call
 * belongs to the invocation in flight in that environment when it was made.
 */
import { fmt, mean, percentile, table } from "./stats.ts"

/** A call from its arrival at the proxy to the end of its answer (performance.now() ms). */
export type Interval = readonly [start: number, end: number]

/** The time covered by the intervals within [from, to]: overlapping calls (in parallel) count once. */
export const unionLength = (intervals: ReadonlyArray<Interval>, from = -Infinity, to = Infinity): number => {
  const clipped = intervals
    .map(([s, e]): Interval => [Math.max(s, from), Math.min(e, to)])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0])
  let total = 0
  let end = -Infinity
  for (const [s, e] of clipped) {
    if (e <= end) continue
    total += e - Math.max(s, end)
    end = e
  }
  return total
}

/** AWS calls per environment, taken by the invocation they fall in. */
export class AwsWaits {
  private readonly calls = new Map<number, Array<Interval>>()

  record(environmentId: number, start: number, end: number): void {
    const list = this.calls.get(environmentId)
    if (list) list.push([start, end])
    else this.calls.set(environmentId, [[start, end]])
  }

  /**
   * The environment's wait on AWS within an invocation's window. Calls that ended inside it are
   * forgotten; later ones (the environment's next invocation may already be running) are kept.
   */
  waited(environmentId: number, from: number, to: number): number {
    const list = this.calls.get(environmentId) ?? []
    const waited = unionLength(list, from, to)
    this.calls.set(environmentId, list.filter(([, e]) => e > to))
    return waited
  }
}

/** Round trips an invocation cannot avoid: BatchWriteItem for adds; BatchGetItem, then SendMessageBatch, for reads. */
const floorRoundTrips = (kind: "add" | "read"): number => (kind === "add" ? 1 : 2)

export interface OwnTimeSummary {
  readonly awsWaitMs: { readonly average: number; readonly p50: number }
  readonly ownMs: { readonly average: number; readonly p50: number; readonly p99: number }
  /** The unavoidable round trips' simulated latency. */
  readonly floorMs: number
}

export const summarizeOwnTime = (
  kind: "add" | "read",
  latencyMs: number,
  durations: ReadonlyArray<number>,
  waits: ReadonlyArray<number>
): OwnTimeSummary => {
  const own = durations.map((d, i) => d - (waits[i] ?? 0))
  return {
    awsWaitMs: { average: mean(waits), p50: percentile(waits, 50) },
    ownMs: { average: mean(own), p50: percentile(own, 50), p99: percentile(own, 99) },
    floorMs: floorRoundTrips(kind) * latencyMs
  }
}

/**
 * The own-time ratio (Bun / Node.js) at which Bun's average duration would be `target` times Node.js's, each
 * side's wait on AWS as measured (a duration is own time + wait): own_B ≤ target·(own_N + wait_N) − wait_B,
 * over own_N. At or below 0, no function could reach the target: the wait alone is over it.
 */
export const ownRatioForDuration = (target: number, bun: OwnTimeSummary, node: OwnTimeSummary): number =>
  (target * (node.ownMs.average + node.awsWaitMs.average) - bun.awsWaitMs.average) / node.ownMs.average

/** The report's "where the time goes" table: per variant and memory size, duration split into AWS and own time. */
export const ownTimeTable = (
  rows: ReadonlyArray<{
    readonly memoryMb: number
    readonly variant: string
    readonly durationMs: { readonly average: number }
    readonly ownTime: OwnTimeSummary
  }>
): string =>
  table(
    [
      "MB",
      "variant",
      "avg ms",
      "AWS wait avg ms",
      "floor ms",
      "wait above floor ms",
      "own avg ms",
      "own p50 ms",
      "own p99 ms",
      "avg above floor ms"
    ],
    rows.map((r) => [
      `${r.memoryMb}`,
      r.variant,
      fmt(r.durationMs.average, 2),
      fmt(r.ownTime.awsWaitMs.average, 2),
      fmt(r.ownTime.floorMs, 0),
      fmt(r.ownTime.awsWaitMs.average - r.ownTime.floorMs, 2),
      fmt(r.ownTime.ownMs.average, 2),
      fmt(r.ownTime.ownMs.p50, 2),
      fmt(r.ownTime.ownMs.p99, 2),
      fmt(r.durationMs.average - r.ownTime.floorMs, 2)
    ])
  )
