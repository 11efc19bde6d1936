import { describe, expect, test } from "bun:test"
import { Result } from "effect"
import {
  DYNAMO_ITEM_MAX_BYTES,
  dynamoItemBytes,
  significantDigits,
  SQS_MESSAGE_MAX_BYTES,
  sqsMessageBytes
} from "../../src/domain/limits.ts"
import { decodeMessage } from "../../src/domain/message.ts"

const reasonOf = (body: string) => {
  const r = decodeMessage(body)
  if (Result.isSuccess(r)) throw new Error(`expected a rejection of ${body}`)
  return r.failure.reason
}

describe("message contract", () => {
  test("an add message decodes to AddProduct", () => {
    expect(decodeMessage(`{"name":"Widget","price":9.99}`)).toEqual(
      Result.succeed({ _tag: "AddProduct", name: "Widget", price: 9.99 })
    )
  })

  test("a price of zero is accepted, unknown extra fields are ignored", () => {
    expect(decodeMessage(`{"name":"Free","price":0,"colour":"red"}`)).toEqual(
      Result.succeed({ _tag: "AddProduct", name: "Free", price: 0 })
    )
  })

  test("a read message decodes to GetProduct", () => {
    expect(decodeMessage(`{"pk":"abc","note":1}`)).toEqual(Result.succeed({ _tag: "GetProduct", pk: "abc" }))
  })

  test.each([
    ["not json", "body is not valid JSON"],
    ["", "body is not valid JSON"],
    [`[{"pk":"a"}]`, "body must be a JSON object, got an array"],
    [`null`, "body must be a JSON object, got null"],
    [`"pk"`, "body must be a JSON object, got string"],
    [`42`, "body must be a JSON object, got number"],
    [`{}`, "body must have either pk, or name and price"],
    [`{"pk":"a","name":"b"}`, "ambiguous body: pk cannot be combined with name or price"],
    [`{"pk":"a","price":1}`, "ambiguous body: pk cannot be combined with name or price"]
  ])("%p is rejected: %s", (body, reason) => {
    expect(reasonOf(body)).toBe(reason)
  })

  test.each([
    [`{"name":"","price":1}`, "name", "must not be empty or blank"],
    [`{"name":"   ","price":1}`, "name", "must not be empty or blank"],
    [`{"name":${JSON.stringify("x".repeat(1025))},"price":1}`, "name", "at most 1024"],
    [`{"name":5,"price":1}`, "name", "Expected string"],
    [`{"name":"\\ud800","price":1}`, "name", "characters SQS cannot carry"],
    [`{"name":"a\\u0001b","price":1}`, "name", "characters SQS cannot carry"],
    [`{"name":"a","price":"9.99"}`, "price", "Expected number"],
    [`{"name":"a","price":"NaN"}`, "price", "Expected number"],
    [`{"name":"a","price":1e999}`, "price", "finite"],
    [`{"name":"a","price":-0.01}`, "price", "greater than or equal to 0"],
    [`{"name":"a"}`, "price", "Missing key"],
    [`{"price":1}`, "name", "Missing key"],
    [`{"pk":""}`, "pk", "at least 1"],
    [`{"pk":7}`, "pk", "Expected string"],
    [`{"pk":null}`, "pk", "Expected string"],
    [`{"name":"a","price":1e16}`, "price", "Number.MAX_SAFE_INTEGER"],
    [`{"name":"a","price":9007199254740992}`, "price", "Number.MAX_SAFE_INTEGER"],
    [`{"name":"a","price":1e-200}`, "price", "at least 1e-130"],
    [`{"name":"a","price":1e-131}`, "price", "at least 1e-130"],
    [`{"name":"a","price":5e-324}`, "price", "at least 1e-130"],
    [JSON.stringify({ pk: "k".repeat(2049) }), "pk", "at most 2048 bytes of UTF-8"],
    [JSON.stringify({ pk: "€".repeat(683) }), "pk", "at most 2048 bytes of UTF-8"],
    [JSON.stringify({ pk: "€".repeat(700) }), "pk", "at most 2048 bytes of UTF-8"]
  ])("%s is rejected on %s (%s)", (body, field, fragment) => {
    const reason = reasonOf(body)
    expect(reason).toContain(fragment)
    expect(reason).toContain(`["${field}"]`)
    expect(reason).not.toContain("\n")
  })

  test("the edges of what DynamoDB and the document client store are accepted", () => {
    for (const price of [0, 1e-130, 9007199254740991, 1.2345678901234567e-100]) {
      expect(decodeMessage(JSON.stringify({ name: "a", price }))).toEqual(
        Result.succeed({ _tag: "AddProduct", name: "a", price })
      )
    }
    // More than 38 significant digits in the body: read as the nearest double, which has at most 17.
    const precise = decodeMessage(`{"name":"a","price":0.1234567890123456789012345678901234567890}`)
    expect(Result.isSuccess(precise) && significantDigits((precise.success as { price: number }).price))
      .toBeLessThanOrEqual(17)
    for (const pk of ["k".repeat(2048), "€".repeat(682)]) {
      expect(Result.isSuccess(decodeMessage(JSON.stringify({ pk })))).toBe(true)
    }
  })

  test("the largest valid add makes an item far below DynamoDB's 400 KB, and an output message far below 1 MiB", () => {
    const item = {
      pk: "€".repeat(682),
      name: "\u{10FFFF}".repeat(512),
      price: 1.2345678901234567e-100,
      createdAt: new Date(0).toISOString()
    }
    expect(Result.isSuccess(decodeMessage(JSON.stringify({ name: item.name, price: item.price })))).toBe(true)
    expect(dynamoItemBytes(item)).toBeLessThan(6 * 1024)
    expect(dynamoItemBytes(item)).toBeLessThan(DYNAMO_ITEM_MAX_BYTES)
    expect(
      sqsMessageBytes({
        body: JSON.stringify(item),
        attributes: { outcome: "not_found", correlationId: "x".repeat(100) }
      })
    ).toBeLessThan(SQS_MESSAGE_MAX_BYTES)
  })

  test("a name of exactly 1024 characters is accepted", () => {
    expect(Result.isSuccess(decodeMessage(JSON.stringify({ name: "n".repeat(1024), price: 1 })))).toBe(true)
  })
})
