import type { LocalStack } from "../../local/aws/local-stack.ts"
import { seedProducts } from "../../local/aws/seed.ts"
import { sendBodies } from "../../local/flow/send.ts"

export type CaseKind = "add" | "read"

/**
 * A benchmark case's workload, put on the input queue: `count` adds, or `count` reads of products seeded
 * first (up to 1,000, read in turn, so every read finds its product). Returns the sent message ids.
 */
export const sendWorkload = async (stack: LocalStack, kind: CaseKind, count: number): Promise<Array<string>> => {
  const seeded = kind === "read" ? Array.from({ length: Math.min(count, 1_000) }, (_, i) => `seed-${i}`) : []
  await seedProducts(
    stack.endpoints.dynamodb,
    stack.tableName,
    seeded.map((pk, i) => ({ pk, name: `seeded ${i}`, price: i % 100, createdAt: "2026-01-01T00:00:00.000Z" }))
  )
  const bodies = Array.from(
    { length: count },
    (_, i) =>
      JSON.stringify(
        kind === "add" ? { name: `bench product ${i}`, price: i % 100 } : { pk: seeded[i % seeded.length] }
      )
  )
  return sendBodies(stack.endpoints.sqs, stack.inputQueueUrl, bodies)
}
