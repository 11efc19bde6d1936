import type { Message } from "@aws-sdk/client-sqs"
import { describe, expect, test } from "bun:test"
import { account, type PlannedMessage } from "../../local/chaos/accounting.ts"
import { runChaos } from "../../local/chaos/run-chaos.ts"
import { messageAttributes } from "../../src/aws/sqs-attributes.ts"

const msg = (body: unknown, attributes: Record<string, string>, messageId = "x"): Message => ({
  MessageId: messageId,
  Body: typeof body === "string" ? body : JSON.stringify(body),
  MessageAttributes: messageAttributes(attributes)
})

describe("accounting", () => {
  const plan = new Map<string, PlannedMessage>([
    ["a1", { kind: "add", body: "", name: "n", price: 1 }],
    ["r1", { kind: "read-existing", body: "", pk: "seed-1" }],
    ["r2", { kind: "read-missing", body: "", pk: "missing-1" }],
    ["p1", { kind: "poison", body: "oops" }]
  ])
  const seeded = new Map([["seed-1", { pk: "seed-1", name: "s", price: 2 }]])
  const good = {
    products: [{ pk: "a1", name: "n", price: 1 }, { pk: "seed-1", name: "s", price: 2 }],
    output: [
      msg({ pk: "seed-1", name: "s", price: 2 }, { outcome: "found", correlationId: "r1" }),
      msg({ pk: "missing-1", error: "ProductNotFound" }, { outcome: "not_found", correlationId: "r2" })
    ],
    deadLetters: [
      msg("oops", { errorType: "InvalidMessage", errorMessage: "body is not valid JSON", sourceMessageId: "p1" })
    ],
    deliveries: new Map([["a1", 1], ["r1", 1], ["r2", 1], ["p1", 1]]),
    seeded
  }

  test("a clean run accounts for everything", () => {
    expect(account(plan, good)).toMatchObject({ processed: 4, lost: [], ok: true, accounted: 4 })
  })

  test("a missing product, a wrong answer and an unexplained copy are all caught", () => {
    expect(account(plan, { ...good, products: [good.products[1]!] })).toMatchObject({ lost: ["a1"], ok: false })
    expect(
      account(plan, {
        ...good,
        output: [
          msg({ pk: "seed-1", name: "other", price: 2 }, { outcome: "found", correlationId: "r1" }),
          good.output[1]!
        ]
      })
    ).toMatchObject({ wrongContent: ["r1"], ok: false })
    expect(account(plan, { ...good, output: [...good.output, good.output[0]!] }).duplicates).toEqual({
      total: 1,
      explained: 0,
      unexplained: ["r1"]
    })
    expect(
      account(plan, {
        ...good,
        output: [...good.output, good.output[0]!],
        deliveries: new Map([...good.deliveries, ["r1", 2]])
      })
    ).toMatchObject({ ok: true, duplicates: { total: 1, explained: 1, unexplained: [] } })
    expect(account(plan, { ...good, products: [...good.products, { pk: "stray" }] })).toMatchObject({
      unexpectedProducts: 1,
      ok: false
    })
  })

  test("a copy sent behind a dropped connection counts as a forced resend", () => {
    expect(account(plan, { ...good, output: [...good.output, good.output[0]!], hiddenSends: new Map([["r1", 1]]) }))
      .toMatchObject({ ok: true, duplicates: { total: 1, explained: 1 } })
  })

  test("a message redriven to the DLQ after retries is accounted, not lost", () => {
    const redriven = msg("{}", {}, "a1")
    expect(account(plan, { ...good, products: [good.products[1]!], deadLetters: [...good.deadLetters, redriven] }))
      .toMatchObject({ redriven: 1, lost: [], ok: true })
  })
})

test(
  "a small chaos run: 20% of AWS calls failing (so that every kind of fault shows up in 400 messages), environments killed, Runtime API 500s; every message accounted for",
  async () => {
    const report = await runChaos({
      messages: 400,
      faultRate: 0.2,
      killRate: 0.2,
      runtimeApiErrorRate: 0.05,
      poisonRate: 0.02,
      concurrency: 4,
      memoryMb: 512,
      timeoutSeconds: 1,
      seed: 42
    })
    const acc = report.accounting
    expect(acc.lost).toEqual([])
    expect(acc.wrongContent).toEqual([])
    expect(acc.duplicates.unexplained).toEqual([])
    expect(acc.accounted).toBe(400)
    expect(acc.ok).toBe(true)
    expect(acc.byKind.poison).toBeGreaterThanOrEqual(8)
    // The faults really happened.
    expect(report.faults.dynamodb.errors + report.faults.sqs.errors).toBeGreaterThan(0)
    expect(
      report.faults.dynamodb.partials + report.faults.sqs.partials + report.faults.dynamodb.resets +
        report.faults.sqs.resets
    ).toBeGreaterThan(0)
    expect(report.killedInvocations).toBeGreaterThan(0)
    expect(report.redeliveredMessages).toBeGreaterThan(0)
  },
  180_000
)
