import { describe, expect, test } from "bun:test"
import { Entity } from "dynamodb-toolbox/entity"
import { EntityFormatter } from "dynamodb-toolbox/entity/actions/format"
import { EntityParser } from "dynamodb-toolbox/entity/actions/parse"
import { boolean } from "dynamodb-toolbox/schema/boolean"
import { item } from "dynamodb-toolbox/schema/item"
import { number } from "dynamodb-toolbox/schema/number"
import { string } from "dynamodb-toolbox/schema/string"
import { Table } from "dynamodb-toolbox/table"
import fc from "fast-check"
import { entityFastPath } from "../../src/aws/entity-fast-path.ts"
import {
  batchGetConsistent,
  batchPut,
  consistentGetRequests,
  formatProduct,
  makeProductTable,
  putRequests
} from "../../src/aws/product-table.ts"

// The fast path against dynamodb-toolbox itself: for every input, either the fast path leaves it to toolbox
// (undefined) or it gives exactly toolbox's answer, keys in the same order; and what toolbox rejects, the fast
// path never takes.

const product = makeProductTable("products", {} as never)

// Another schema within the fast path's reach: a number partition key, a saved name, an enum, a boolean, an
// entity attribute under another name.
const priced = (() => {
  const table = new Table({
    name: "priced",
    partitionKey: { name: "id", type: "number" },
    entityAttributeSavedAs: "__kind",
    documentClient: {} as never
  })
  const entity = new Entity({
    name: "Priced",
    table,
    timestamps: false,
    schema: item({
      id: number().key(),
      label: string().savedAs("l"),
      tier: string().enum("gold", "silver").optional(),
      active: boolean().optional(),
      note: string().required("never").hidden()
    })
  })
  return entity
})()

/** toolbox's answer, or the error's code when it throws. */
const toolbox = (run: () => unknown): { ok: unknown } | { error: string } => {
  try {
    return { ok: run() }
  } catch (error) {
    return { error: String((error as { code?: string }).code ?? error) }
  }
}

/** Same value and the same key order, all the way down. */
const exactly = (actual: unknown, expected: unknown) => {
  expect(actual).toStrictEqual(expected)
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected))
}

const anyValue = fc.oneof(
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(Number.NaN),
  fc.constantFrom("gold", "silver", "Product", "Priced", "Other"),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 })
)

type Spec = Record<string, fc.Arbitrary<unknown>>

/** Objects over a spec's names, each value mostly of its kind, sometimes anything or left out; sometimes an extra key. */
const inputsOf = (spec: Spec) => {
  const record = fc.record(
    Object.fromEntries(
      Object.entries(spec).map((
        [name, kind]
      ) => [name, fc.oneof({ arbitrary: kind, weight: 12 }, { arbitrary: anyValue, weight: 1 })])
    ),
    { requiredKeys: [] }
  )
  return fc.oneof(
    { arbitrary: record, weight: 10 },
    { arbitrary: fc.tuple(record, fc.string()).map(([r, extra]) => ({ ...r, [extra]: 1 })), weight: 1 },
    { arbitrary: anyValue, weight: 1 }
  )
}

const validProduct = fc.record({
  pk: fc.string(),
  name: fc.string(),
  price: fc.double({ noNaN: true }),
  createdAt: fc.option(fc.string(), { nil: undefined })
}, { requiredKeys: ["pk", "name", "price"] })

/** The fast path's three functions, each against toolbox on inputs of its kind: to put, a key, a stored item. */
const agrees = (entity: Entity, specs: { put: Spec; key: Spec; stored: Spec }) => {
  const fast = entityFastPath(entity)!
  expect(fast).toBeDefined()
  const parser = entity.build(EntityParser)
  const formatter = entity.build(EntityFormatter)
  const taken = [0, 0, 0]
  fc.assert(
    fc.property(inputsOf(specs.put), inputsOf(specs.key), inputsOf(specs.stored), (put, key, stored) => {
      const pairs: Array<readonly [() => unknown, () => unknown]> = [
        [() => fast.putItem(put), () => parser.parse(put as never).item],
        [() => fast.key(key), () => parser.parse(key as never, { mode: "key" }).key],
        [() => fast.format(stored), () => formatter.format(stored as never)]
      ]
      pairs.forEach(([mine, theirs], i) => {
        const answer = mine()
        const reference = toolbox(theirs)
        if (answer === undefined) return
        taken[i]! += 1
        expect(reference).toHaveProperty("ok")
        exactly(answer, (reference as { ok: unknown }).ok)
      })
    }),
    { numRuns: 3000 }
  )
  // Not a vacuous comparison: each function took a good share of the inputs itself.
  for (const count of taken) expect(count).toBeGreaterThan(300)
}

describe("entityFastPath", () => {
  test("the product entity: the fast path's answers are toolbox's, for generated inputs", () => {
    const common = { pk: fc.string(), name: fc.string(), price: fc.double(), createdAt: fc.string() }
    agrees(product.entity as never, {
      put: { ...common, entity: fc.constantFrom("Product", "Other") },
      key: { pk: fc.string() },
      stored: { ...common, _et: fc.constantFrom("Product", "Other") }
    })
  })

  test("another schema in reach (number key, savedAs, enum, boolean, hidden): the same", () => {
    const common = {
      id: fc.double(),
      tier: fc.constantFrom("gold", "silver", "bronze"),
      active: fc.boolean(),
      note: fc.string()
    }
    agrees(priced as never, {
      put: { ...common, label: fc.string(), entity: fc.constantFrom("Priced", "Other") },
      key: { id: fc.double() },
      stored: { ...common, l: fc.string(), __kind: fc.constantFrom("Priced", "Other") }
    })
  })

  test("it takes every valid product, and every stored product, itself", () => {
    const fast = product.fast!
    const parser = product.entity.build(EntityParser)
    fc.assert(
      fc.property(validProduct, (p) => {
        const put = fast.putItem(p)
        exactly(put, parser.parse(p).item)
        exactly(fast.key({ pk: p.pk }), { pk: p.pk })
        // As DynamoDB gives it back: under saved names, with the entity attribute, or without (older items).
        exactly(fast.format(put), product.formatter.format(put!))
        const { _et, ...untagged } = put!
        exactly(fast.format(untagged), product.formatter.format(untagged))
      }),
      { numRuns: 2000 }
    )
  })

  test("what toolbox rejects is left to it: a NaN price, a wrong type, a missing name, another entity's item", () => {
    const fast = product.fast!
    expect(fast.putItem({ pk: "a", name: "n", price: Number.NaN })).toBeUndefined()
    expect(fast.putItem({ pk: "a", name: 1, price: 1 })).toBeUndefined()
    expect(fast.putItem({ pk: "a", price: 1 })).toBeUndefined()
    expect(fast.putItem({ pk: "a", name: "n", price: 1, entity: "Other" })).toBeUndefined()
    expect(fast.format({ pk: "a", name: "n", price: 1, _et: "Other" })).toBeUndefined()
    expect(fast.key({ pk: 1 })).toBeUndefined()
  })

  test("a schema beyond it (timestamps: defaults computed per put) has no fast path", () => {
    const table = new Table({ name: "t", partitionKey: { name: "pk", type: "string" }, documentClient: {} as never })
    const stamped = new Entity({ name: "Stamped", table, schema: item({ pk: string().key() }) })
    expect(entityFastPath(stamped as never)).toBeUndefined()
    const sorted = new Table({
      name: "s",
      partitionKey: { name: "pk", type: "string" },
      sortKey: { name: "sk", type: "string" },
      documentClient: {} as never
    })
    const withSortKey = new Entity({
      name: "Sorted",
      table: sorted,
      timestamps: false,
      schema: item({ pk: string().key(), sk: string().key() })
    })
    expect(entityFastPath(withSortKey as never)).toBeUndefined()
  })
})

describe("the product table's requests", () => {
  test("putRequests and consistentGetRequests are toolbox's params, through the fast path or not", () => {
    const products = [
      { pk: "a", name: "A", price: 1.5, createdAt: "2026-01-01T00:00:00.000Z" },
      { pk: "b", name: "B", price: 0 }
    ]
    exactly(putRequests(product, products), batchPut(product, products).params())
    exactly(consistentGetRequests(product, ["a", "b"]), batchGetConsistent(product, ["a", "b"]).params())
    const noFast = { ...product, fast: undefined }
    exactly(putRequests(noFast, products), batchPut(product, products).params())
  })

  test("a batch with one item the fast path leaves goes to toolbox whole, which rejects it as before", () => {
    const bad = [{ pk: "a", name: "A", price: 1 }, { pk: "b", name: "B", price: Number.NaN }]
    expect(() => putRequests(product, bad)).toThrow(expect.objectContaining({ code: "parsing.invalidAttributeInput" }))
    expect(() => formatProduct(product, { pk: "a", name: "n", price: 1, _et: "Other" })).toThrow(
      expect.objectContaining({ code: "formatter.invalidAttribute" })
    )
  })
})
