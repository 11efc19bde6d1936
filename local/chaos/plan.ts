import { HOSTILE_BODIES } from "../events/hostile-bodies.ts"
import type { PlannedMessage } from "./accounting.ts"

// SQS itself refuses an empty body: those never reach a function.
const POISON = HOSTILE_BODIES.map(([, body]) => body).filter((body) => body.length > 0)

/** How many products a chaos run writes before it starts: the reads' expected answers. */
export const SEEDED_PRODUCTS = 200

/** The products written directly (no faults) before the run, by pk. */
export const seededProducts = () =>
  new Map(
    Array.from({ length: SEEDED_PRODUCTS }, (_, i) => {
      const pk = `seed-${i}`
      return [pk, { pk, name: `seeded ${i}`, price: i, createdAt: "2026-01-01T00:00:00.000Z" }] as const
    })
  )

/**
 * The messages of a run, shuffled so that poison, adds and reads share batches: `poisonRate` of them
 * poison (at least one), then about 60% adds, 30% reads of seeded products and 10% reads of missing ones.
 * Every choice comes from `random`, so a seed replays the same plan.
 */
export const planMessages = (count: number, poisonRate: number, random: () => number): Array<PlannedMessage> => {
  const poisonCount = Math.max(1, Math.ceil(count * poisonRate))
  const planned: Array<PlannedMessage> = []
  for (let i = 0; i < count; i++) {
    if (i < poisonCount) {
      planned.push({ kind: "poison", body: POISON[i % POISON.length]! })
      continue
    }
    const roll = random()
    if (roll < 0.6) {
      const price = Math.round(random() * 10_000) / 100
      const name = `chaos product ${i}`
      planned.push({ kind: "add", body: JSON.stringify({ name, price }), name, price })
    } else if (roll < 0.9) {
      const pk = `seed-${Math.floor(random() * SEEDED_PRODUCTS)}`
      planned.push({ kind: "read-existing", body: JSON.stringify({ pk }), pk })
    } else {
      const pk = `missing-${i}`
      planned.push({ kind: "read-missing", body: JSON.stringify({ pk }), pk })
    }
  }
  for (let i = planned.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[planned[i], planned[j]] = [planned[j]!, planned[i]!]
  }
  return planned
}
