import type { LocalStack } from "../../local/aws/local-stack.ts"
import { seedProducts } from "../../local/aws/seed.ts"
import { sendBodies } from "../../local/flow/send.ts"

export type CaseKind = "add" | "read"

/** Products seeded for the read case at most: reads take them in turn, so every read finds its product. */
const MAX_SEEDED = 1_000

/** Seeds the products a run of `total` messages reads (none for adds); returns how many. */
export const seedWorkload = async (stack: LocalStack, kind: CaseKind, total: number): Promise<number> => {
  const seeded = kind === "read" ? Math.min(total, MAX_SEEDED) : 0
  await seedProducts(
    stack.endpoints.dynamodb,
    stack.tableName,
    Array.from({ length: seeded }, (_, i) => ({
      pk: `seed-${i}`,
      name: `seeded ${i}`,
      price: i % 100,
      createdAt: "2026-01-01T00:00:00.000Z"
    }))
  )
  return seeded
}

/** The name of the product the run's message number `i` adds (the accounting checks it by that number). */
export const productName = (i: number): string => `bench product ${i}`

/**
 * Messages `from` to `from + count` of a run: adds named by their number in the run (the accounting
 * checks each product by it), or reads of the `seeded` products in turn.
 */
export const workloadBodies = (kind: CaseKind, from: number, count: number, seeded: number): Array<string> =>
  Array.from({ length: count }, (_, k) => {
    const i = from + k
    return JSON.stringify(
      kind === "add" ? { name: productName(i), price: i % 100 } : { pk: `seed-${i % seeded}` }
    )
  })

/** Puts messages `from` to `from + count` on the input queue; returns their message ids in order. */
export const sendWorkload = (
  stack: LocalStack,
  kind: CaseKind,
  from: number,
  count: number,
  seeded: number
): Promise<Array<string>> =>
  sendBodies(stack.endpoints.sqs, stack.inputQueueUrl, workloadBodies(kind, from, count, seeded))
