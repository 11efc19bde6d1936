import { describe, expect, test } from "bun:test"
import {
  pairedRatios,
  type RoundSide,
  roundSizes,
  type RoundSummary,
  roundSummary,
  runRounds
} from "../../bench/load/pairing.ts"

describe("roundSizes", () => {
  test("splits the messages into rounds of whole batches that add up", () => {
    expect(roundSizes(10_000, 10, 10)).toEqual(Array.from({ length: 10 }, () => 1_000))
    expect(roundSizes(1_000, 3, 10)).toEqual([330, 340, 330])
    expect(roundSizes(3_000, 7, 10).reduce((a, b) => a + b, 0)).toBe(3_000)
    expect(roundSizes(3_000, 7, 10).every((n) => n % 10 === 0)).toBe(true)
  })

  test("the last round takes what is left of a partial batch; never more rounds than batches", () => {
    expect(roundSizes(25, 2, 10)).toEqual([20, 5])
    expect(roundSizes(30, 5, 10)).toEqual([10, 10, 10])
    expect(roundSizes(5, 4, 10)).toEqual([5])
    expect(roundSizes(200, 1, 10)).toEqual([200])
  })
})

/** A side that logs what happens when, and takes `ms` to drain. */
const side = (name: string, log: Array<string>, ms: number): RoundSide => ({
  send: async (count) => {
    log.push(`${name} send ${count}`)
    await Bun.sleep(1)
  },
  drain: async () => {
    log.push(`${name} drain`)
    await Bun.sleep(ms)
    log.push(`${name} drained`)
  }
})

describe("runRounds", () => {
  test("side by side: both sides get each round's messages before either drains, and both drain at once", async () => {
    const log: Array<string> = []
    const rounds: Array<number> = []
    await runRounds([side("bun", log, 5), side("node", log, 20)], [30, 20], "side by side", (r) => rounds.push(r))
    expect(log).toEqual([
      "bun send 30",
      "node send 30",
      "bun drain",
      "node drain",
      "bun drained",
      "node drained",
      "bun send 20",
      "node send 20",
      "bun drain",
      "node drain",
      "bun drained",
      "node drained"
    ])
    expect(rounds).toEqual([0, 1])
  })

  test("alternating: one side at a time, the order reversed every other round (AB BA)", async () => {
    const log: Array<string> = []
    await runRounds([side("a", log, 1), side("b", log, 1)], [10, 10, 10], "alternating")
    const sends = log.filter((l) => l.includes("send")).map((l) => l[0])
    expect(sends).toEqual(["a", "b", "b", "a", "b", "a"])
    // Never two sides at once: each drain ends before anything else happens.
    const drains = log.flatMap((l, i) => (l.endsWith(" drain") ? [[l, log[i + 1]]] : []))
    expect(drains).toHaveLength(6)
    for (const [drain, next] of drains) expect(next).toBe(`${drain}ed`)
  })
})

describe("roundSummary", () => {
  test("a round's average duration and own time (duration − wait on AWS)", () => {
    expect(roundSummary([10, 20, 30], [4, 8, 6])).toEqual({ invocations: 3, averageMs: 20, ownAverageMs: 14 })
  })

  test("without waits (several invocations per environment) own time is not a number", () => {
    expect(roundSummary([10, 20], []).ownAverageMs).toBeNaN()
  })
})

const rounds = (averages: ReadonlyArray<number>, own: ReadonlyArray<number>): Array<RoundSummary> =>
  averages.map((averageMs, i) => ({ invocations: 10, averageMs, ownAverageMs: own[i]! }))

describe("pairedRatios", () => {
  test("each round's ratio is Bun's average over Node's of the same round, judged against the targets", () => {
    // Node's rounds vary with the machine's load; Bun's follow them at 0.6x duration and 0.5x own time.
    const node = { schedule: "side by side" as const, rounds: rounds([10, 30, 20, 40], [6, 20, 10, 30]) }
    const bun = { schedule: "side by side" as const, rounds: rounds([6, 18, 12, 24], [3, 10, 5, 15]) }
    const paired = pairedRatios(bun, node)!
    expect(paired.rounds).toBe(4)
    for (const r of paired.duration.ratios) expect(r).toBeCloseTo(0.6, 12)
    for (const r of paired.ownTime.ratios) expect(r).toBeCloseTo(0.5, 12)
    expect(paired.duration.bootstrap.estimate).toBeCloseTo(0.6, 12)
    expect(paired.duration.logT.estimate).toBeCloseTo(0.6, 12)
    expect([paired.duration.verdict, paired.ownTime.verdict]).toEqual(["within", "within"])
  })

  test("pairing by round removes the load both sides shared; the same values unpaired would not", () => {
    // The load moves both sides alike from round to round (1x to 4x); Bun is 0.75x of Node.js in each.
    const load = [1, 4, 2, 3, 1.5, 2.5]
    const node = { schedule: "side by side" as const, rounds: rounds(load.map((l) => 20 * l), load.map((l) => 10 * l)) }
    const bun = { schedule: "side by side" as const, rounds: rounds(load.map((l) => 15 * l), load.map((l) => 9 * l)) }
    const paired = pairedRatios(bun, node)!
    expect(paired.duration.logT.upper - paired.duration.logT.lower).toBeLessThan(1e-9)
    expect(paired.duration.verdict).toBe("within")
    // Own time 0.9x: over the 0.7x target in every round.
    expect(paired.ownTime.verdict).toBe("over")
    // Shuffled rounds (the pairs broken) give a wide interval on the same data.
    const shuffled = { ...node, rounds: [...node.rounds].reverse() }
    const broken = pairedRatios(bun, shuffled)!
    expect(broken.duration.logT.upper - broken.duration.logT.lower).toBeGreaterThan(1)
    expect(broken.duration.verdict).toBe("not proven")
  })

  test("no pairing for runs alone, in different schedules, of different round counts, or of one round", () => {
    const two = rounds([10, 12], [5, 6])
    expect(pairedRatios({ schedule: "alone", rounds: two }, { schedule: "alone", rounds: two })).toBeUndefined()
    expect(pairedRatios({ schedule: "side by side", rounds: two }, { schedule: "alternating", rounds: two }))
      .toBeUndefined()
    expect(pairedRatios({ schedule: "side by side", rounds: two }, { schedule: "side by side", rounds: two.slice(1) }))
      .toBeUndefined()
    expect(
      pairedRatios({ schedule: "side by side", rounds: two.slice(1) }, {
        schedule: "side by side",
        rounds: two.slice(1)
      })
    ).toBeUndefined()
    expect(pairedRatios({ schedule: "alternating", rounds: two }, { schedule: "alternating", rounds: two })?.rounds)
      .toBe(2)
  })
})
