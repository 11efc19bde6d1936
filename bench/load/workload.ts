import type { LocalStack } from "../../local/aws/local-stack.ts"
import { seedProducts } from "../../local/aws/seed.ts"
import { sendBodies } from "../../local/flow/send.ts"
import { type CaseKind, workloadBodies } from "./workload-bodies.ts"

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

/** Puts messages `from` to `from + count` on the input queue; returns their message ids in order. */
export const sendWorkload = (
  stack: LocalStack,
  kind: CaseKind,
  from: number,
  count: number,
  seeded: number
): Promise<Array<string>> =>
  sendBodies(stack.endpoints.sqs, stack.inputQueueUrl, workloadBodies(kind, from, count, seeded))
