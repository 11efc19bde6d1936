import { describe, expect, test } from "bun:test"
import { planMessages, SEEDED_PRODUCTS, seededProducts } from "../../local/chaos/plan.ts"
import { seededRandom } from "../../local/chaos/random.ts"

describe("a chaos run's plan", () => {
  test("the same seed plans the same messages; another seed others", () => {
    expect(planMessages(500, 0.01, seededRandom(7))).toEqual(planMessages(500, 0.01, seededRandom(7)))
    expect(planMessages(500, 0.01, seededRandom(8))).not.toEqual(planMessages(500, 0.01, seededRandom(7)))
  })

  test("the poison share (at least one), the rest mostly adds, then reads of seeded and of missing products", () => {
    const planned = planMessages(2_000, 0.05, seededRandom(1))
    const count = (kind: string) => planned.filter((m) => m.kind === kind).length
    expect(planned).toHaveLength(2_000)
    expect(count("poison")).toBe(100)
    expect(count("add")).toBeGreaterThan(count("read-existing"))
    expect(count("read-existing")).toBeGreaterThan(count("read-missing"))
    expect(count("read-missing")).toBeGreaterThan(0)
    expect(planMessages(10, 0, seededRandom(1)).filter((m) => m.kind === "poison")).toHaveLength(1)
  })

  test("messages are shuffled, so poison does not come first; no poison body is empty (SQS refuses those)", () => {
    const planned = planMessages(1_000, 0.1, seededRandom(3))
    expect(planned.slice(0, 100).every((m) => m.kind === "poison")).toBe(false)
    expect(planned.filter((m) => m.kind === "poison").every((m) => m.body.length > 0)).toBe(true)
  })

  test("each body says what its kind expects: adds their content, reads a seeded or missing pk", () => {
    const seeded = seededProducts()
    expect(seeded.size).toBe(SEEDED_PRODUCTS)
    for (const m of planMessages(300, 0.01, seededRandom(4))) {
      if (m.kind === "add") expect(JSON.parse(m.body)).toEqual({ name: m.name, price: m.price })
      if (m.kind === "read-existing") expect(seeded.has(m.pk) && JSON.parse(m.body).pk === m.pk).toBe(true)
      if (m.kind === "read-missing") expect(seeded.has(m.pk)).toBe(false)
    }
  })
})
