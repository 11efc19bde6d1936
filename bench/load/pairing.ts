/**
 * Bun and its Node.js twin measured side by side: the same messages sent to both stacks at the same
 * moments, round by round, so that whatever else the machine does falls alike on both; then the
 * per-round ratios and their intervals (bench/paired-ratio.ts). Pure, tested in test/bench/pairing.test.ts.
 */
import { comparePaired, type PairedComparison, roundOrder } from "../paired-ratio.ts"
import { mean } from "../stats.ts"

/** How a variant's rounds ran: alone (one round), at the same time as its twin's, or alternating with them. */
export type Schedule = "alone" | "side by side" | "alternating"

/** One stack under test, fed round by round. */
export interface RoundSide {
  /** Puts the round's `count` messages on the stack's input queue. */
  readonly send: (count: number) => Promise<void>
  /** Resolves once the stack has worked through everything sent. */
  readonly drain: () => Promise<void>
}

/**
 * `messages` split into `rounds` rounds of whole batches where possible (the last takes the rest);
 * fewer rounds when there are not enough batches to go round.
 */
export const roundSizes = (messages: number, rounds: number, batchSize: number): Array<number> => {
  const batches = Math.ceil(messages / batchSize)
  const n = Math.max(1, Math.min(rounds, batches))
  const bounds = Array.from({ length: n + 1 }, (_, i) => Math.min(messages, Math.round((batches * i) / n) * batchSize))
  bounds[n] = messages
  return bounds.slice(1).map((b, i) => b - bounds[i]!)
}

/**
 * Runs the rounds. Side by side: each round's messages go to every side at once, and the next round
 * starts when all have drained. Alternating (the control: what the machine does then falls on one
 * side only): each side sends and drains alone, the order reversed every other round (AB BA ...), so
 * that a steady drift falls alike on both.
 */
export const runRounds = async (
  sides: ReadonlyArray<RoundSide>,
  sizes: ReadonlyArray<number>,
  schedule: Exclude<Schedule, "alone">,
  onRound: (round: number) => void = () => {}
): Promise<void> => {
  for (const [round, count] of sizes.entries()) {
    if (schedule === "side by side") {
      await Promise.all(sides.map((s) => s.send(count)))
      await Promise.all(sides.map((s) => s.drain()))
    } else {
      for (const i of roundOrder(sides.length, round)) {
        await sides[i]!.send(count)
        await sides[i]!.drain()
      }
    }
    onRound(round)
  }
}

/** One stack's warm-up: sent, then drained; what follows is measured (bench/load/phases.ts). */
export interface WarmupSide {
  readonly sendWarmup: (perEnvironment: number) => Promise<void>
  readonly drainWarmup: () => Promise<void>
}

/**
 * Every side's warm-up at once (a pair's sides alike, as they then run), `perEnvironment` invocations
 * per environment; nothing with 0.
 */
export const warmUp = async (sides: ReadonlyArray<WarmupSide>, perEnvironment: number): Promise<void> => {
  if (perEnvironment <= 0) return
  await Promise.all(sides.map((s) => s.sendWarmup(perEnvironment)))
  await Promise.all(sides.map((s) => s.drainWarmup()))
}

/** One round of one variant: how many invocations, their average duration and average own time. */
export interface RoundSummary {
  readonly invocations: number
  readonly averageMs: number
  /** NaN where own time is not measured (several invocations per environment). */
  readonly ownAverageMs: number
}

export const roundSummary = (durations: ReadonlyArray<number>, waits: ReadonlyArray<number>): RoundSummary => ({
  invocations: durations.length,
  averageMs: mean(durations),
  ownAverageMs: mean(durations.map((d, i) => d - (waits[i] ?? Number.NaN)))
})

/** The targets of issue #16: Bun / Node.js at most 0.8x in average duration and 0.7x in own time. */
export const PAIR_TARGETS = { duration: 0.8, ownTime: 0.7 } as const

export interface PairedRatios {
  readonly rounds: number
  readonly duration: PairedComparison
  readonly ownTime: PairedComparison
}

/**
 * Bun's per-round averages over Node.js's of the same rounds, with intervals and verdicts against
 * the targets. Undefined unless both ran their rounds at the same time or alternating, in as many
 * rounds, at least two (an interval needs two).
 */
export const pairedRatios = (
  bun: { readonly schedule: Schedule; readonly rounds: ReadonlyArray<RoundSummary> },
  node: { readonly schedule: Schedule; readonly rounds: ReadonlyArray<RoundSummary> }
): PairedRatios | undefined => {
  if (bun.schedule === "alone" || bun.schedule !== node.schedule) return undefined
  if (bun.rounds.length !== node.rounds.length || bun.rounds.length < 2) return undefined
  const of = (side: typeof bun, measure: keyof Omit<RoundSummary, "invocations">) => side.rounds.map((r) => r[measure])
  return {
    rounds: bun.rounds.length,
    duration: comparePaired(of(bun, "averageMs"), of(node, "averageMs"), PAIR_TARGETS.duration),
    ownTime: comparePaired(of(bun, "ownAverageMs"), of(node, "ownAverageMs"), PAIR_TARGETS.ownTime)
  }
}
