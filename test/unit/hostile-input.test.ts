import { describe, expect, test } from "bun:test"
import { Result } from "effect"
import fc from "fast-check"
import { HOSTILE_BODIES } from "../../local/events/hostile-bodies.ts"
import { unstorableNumber } from "../../src/domain/limits.ts"
import { decodeMessage } from "../../src/domain/message.ts"
import { memoryAppPerTest } from "../support/memory-app.ts"
import { invocationContext, sqsEvent, sqsRecord } from "../support/records.ts"

const memoryApp = memoryAppPerTest()

describe("hostile bodies", () => {
  test("the corpus has at least 50 bodies", () => {
    expect(HOSTILE_BODIES.length).toBeGreaterThanOrEqual(50)
  })

  test.each(HOSTILE_BODIES.map(([name, body]) => [name, body] as const))(
    "%s: a typed rejection with a clear reason",
    (_, body) => {
      const result = decodeMessage(body)
      expect(Result.isFailure(result)).toBe(true)
      if (Result.isFailure(result)) {
        expect(result.failure._tag).toBe("InvalidMessage")
        expect(result.failure.reason.length).toBeGreaterThan(5)
        expect(result.failure.reason.length).toBeLessThan(1_000)
      }
    }
  )

  test("all of them in one batch with valid records: each ends in the DLQ, the valid ones are unaffected", async () => {
    const app = memoryApp()
    const hostile = HOSTILE_BODIES.map(([, body], i) => sqsRecord(body, { messageId: `h-${i}` }))
    const valid = [
      sqsRecord(`{"name":"fine","price":1}`, { messageId: "ok-add" }),
      sqsRecord(`{"pk":"ok-add"}`, { messageId: "ok-read" })
    ]
    const result = await app.handler(sqsEvent(valid[0]!, ...hostile, valid[1]!), invocationContext())
    expect(result.batchItemFailures).toEqual([])
    expect(app.items.get("ok-add")).toMatchObject({ name: "fine", price: 1 })
    expect(app.output.map((m) => m.attributes.correlationId)).toEqual(["ok-read"])
    expect(app.deadLetter.map((m) => m.attributes.sourceMessageId).sort()).toEqual(
      hostile.map((h) => h.messageId).sort()
    )
    for (const m of app.deadLetter) {
      const original = hostile.find((h) => h.messageId === m.attributes.sourceMessageId)!
      // An empty body (SQS never delivers one; a direct invocation can) is the one SQS cannot carry.
      if (original.body === "") expect(m.attributes).toMatchObject({ bodyAltered: "empty", originalBodyBytes: "0" })
      else expect(m.body).toBe(original.body)
      expect(m.attributes.errorType).toBe("InvalidMessage")
      expect(m.attributes.errorMessage!.length).toBeGreaterThan(5)
    }
  })

  test("__proto__ cannot smuggle a pk into an add (JSON.parse makes it an own key, and it is ignored)", () => {
    expect(decodeMessage(`{"name":"a","price":1,"__proto__":{"pk":"x"}}`)).toEqual(
      Result.succeed({ _tag: "AddProduct", name: "a", price: 1 })
    )
  })
})

describe("property: the decoder never throws", () => {
  test("arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => {
        const r = decodeMessage(s)
        return Result.isSuccess(r) || (r.failure._tag === "InvalidMessage" && r.failure.reason.length > 0)
      }),
      { numRuns: 2_000 }
    )
  })

  test("arbitrary JSON values, and objects with name / price / pk of any type", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = decodeMessage(JSON.stringify(v) ?? "")
        return Result.isSuccess(r) || r.failure._tag === "InvalidMessage"
      }),
      { numRuns: 2_000 }
    )
    const anything = fc.oneof(fc.jsonValue(), fc.string(), fc.double(), fc.constant(undefined))
    fc.assert(
      fc.property(fc.record({ name: anything, price: anything, pk: anything }, { requiredKeys: [] }), (generated) => {
        const text = JSON.stringify(generated)
        const o = JSON.parse(text) as Record<string, unknown> // what was actually sent (undefined keys dropped)
        const r = decodeMessage(text)
        if (Result.isFailure(r)) return r.failure._tag === "InvalidMessage"
        // Whatever is accepted satisfies the contract.
        const c = r.success
        return c._tag === "GetProduct"
          ? typeof c.pk === "string" && c.pk.length > 0 && !("name" in o) && !("price" in o)
          : typeof c.name === "string" && c.name.trim().length > 0 && unstorableNumber(c.price) === undefined &&
            c.price >= 0
      }),
      { numRuns: 2_000 }
    )
  })

  test("valid adds always decode to exactly what was sent", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 1024 }).filter((s) =>
          s.trim().length > 0 && !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(s) && s.isWellFormed()
        ),
        // Every price DynamoDB and the document client store as given: 0, and 1e-130 .. MAX_SAFE_INTEGER.
        fc.oneof(fc.constant(0), fc.double({ min: 1e-130, max: Number.MAX_SAFE_INTEGER, noNaN: true })),
        (name, price) => {
          const r = decodeMessage(JSON.stringify({ name, price }))
          return Result.isSuccess(r) && r.success._tag === "AddProduct" && r.success.name === name &&
            r.success.price === price
        }
      ),
      { numRuns: 1_000 }
    )
  })
})
