import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb"
import { describe, expect, test } from "bun:test"
import { Effect, Layer, Result } from "effect"
import { RetryPolicy } from "../../src/aws/batch-call.ts"
import { invocationCounts, withInvocationMetrics } from "../../src/aws/metrics.ts"
import type { Product } from "../../src/domain/product.ts"
import { ProductStore } from "../../src/services/product-store.ts"
import { documentCall, dynamoAnswer, dynamoStoreOn } from "../support/fake-document-client.ts"
import { hungUntilAborted } from "../support/hung-request.ts"
import { FAST_RETRIES } from "../support/memory-app.ts"
import { getAll, putAll } from "../support/settled.ts"

type Call = { name: string; input: any }
type Reply = (call: Call) => unknown

/** A DocumentClient double: records every command and answers with `reply` (or throws what it returns as Error). */
const fakeClient = (reply: Reply) => {
  const calls: Array<Call> = []
  const client = {
    send: async (command: { constructor: { name: string }; input: unknown }) => {
      const call = documentCall(command)
      calls.push(call)
      const answer = reply(call)
      if (answer instanceof Error) throw answer
      return { $metadata: {}, ...dynamoAnswer(call.name, answer) }
    }
  }
  return { client: client as unknown as DynamoDBDocumentClient, calls }
}

const run = <A>(
  client: DynamoDBDocumentClient,
  use: (store: ProductStore["Service"]) => Effect.Effect<A>,
  retries: Layer.Layer<never> = FAST_RETRIES
) => {
  const layer = dynamoStoreOn(client)
  return Effect.runPromise(
    Effect.all([ProductStore.use(use), invocationCounts]).pipe(
      withInvocationMetrics,
      Effect.provide(Layer.mergeAll(layer, retries))
    )
  ).then(([value, counts]) => ({ value, retried: counts.retried, requests: counts.requests }))
}

const product = (i: number): Product => ({
  pk: `p-${i}`,
  name: `name ${i}`,
  price: i,
  createdAt: "2024-01-01T00:00:00.000Z"
})
const putKeys = (call: Call): Array<string> => call.input.RequestItems.products.map((r: any) => r.PutRequest.Item.pk)

describe("DynamoProductStore", () => {
  test("60 products become 3 BatchWriteItem requests of at most 25", async () => {
    const { client, calls } = fakeClient(() => ({ UnprocessedItems: {} }))
    const { value } = await run(client, (s) => putAll(s, Array.from({ length: 60 }, (_, i) => product(i))))
    expect(calls.map((c) => c.name)).toEqual(["BatchWriteCommand", "BatchWriteCommand", "BatchWriteCommand"])
    expect(calls.map((c) => putKeys(c).length).sort()).toEqual([10, 25, 25])
    expect(value.every(Result.isSuccess)).toBe(true)
    expect(calls[0]!.input.RequestItems.products[0].PutRequest.Item).toMatchObject({
      pk: "p-0",
      name: "name 0",
      price: 0,
      createdAt: "2024-01-01T00:00:00.000Z"
    })
  })

  test("UnprocessedItems are retried alone, and succeed on the retry", async () => {
    let first = true
    const { client, calls } = fakeClient((call) => {
      if (!first) return { UnprocessedItems: {} }
      first = false
      return {
        UnprocessedItems: {
          products: call.input.RequestItems.products.filter((r: any) => r.PutRequest.Item.pk === "p-2")
        }
      }
    })
    const { value, retried, requests } = await run(client, (s) => putAll(s, [product(1), product(2), product(3)]))
    expect(calls.map(putKeys)).toEqual([["p-1", "p-2", "p-3"], ["p-2"]])
    expect(value.every(Result.isSuccess)).toBe(true)
    // Counted per invocation, ready to be read at its end.
    expect(retried).toBe(1)
    expect(requests).toEqual({ BatchWriteItem: 2 })
  })

  test("items DynamoDB never processes end as transient failures after the last attempt", async () => {
    const { client, calls } = fakeClient((call) => ({
      UnprocessedItems: {
        products: call.input.RequestItems.products.filter((r: any) => r.PutRequest.Item.pk === "p-2")
      }
    }))
    const { value } = await run(client, (s) => putAll(s, [product(1), product(2)]))
    expect(calls).toHaveLength(3) // FAST_RETRIES: 3 attempts
    expect(Result.isSuccess(value[0]!)).toBe(true)
    expect(value[1]).toMatchObject({
      failure: {
        _tag: "AwsTransientError",
        operation: "BatchWriteItem",
        code: "UnprocessedItems",
        message: "DynamoDB left the item unprocessed"
      }
    })
  })

  test("a throttled request is retried whole; a permanent error is not retried", async () => {
    const throttled = Object.assign(new Error("Rate exceeded"), {
      name: "ProvisionedThroughputExceededException",
      $metadata: { httpStatusCode: 400 }
    })
    let n = 0
    const flaky = fakeClient(() => (n++ === 0 ? throttled : { UnprocessedItems: {} }))
    expect((await run(flaky.client, (s) => putAll(s, [product(1)]))).value.every(Result.isSuccess)).toBe(true)
    expect(flaky.calls).toHaveLength(2)

    const missing = Object.assign(new Error("Requested resource not found"), {
      name: "ResourceNotFoundException",
      $metadata: { httpStatusCode: 400 }
    })
    const broken = fakeClient(() => missing)
    const { value } = await run(broken.client, (s) => putAll(s, [product(1), product(2)]))
    expect(broken.calls).toHaveLength(1)
    expect(value.map((r) => Result.isFailure(r) && r.failure._tag)).toEqual(["AwsPermanentError", "AwsPermanentError"])
  })

  test("reads: 150 keys with duplicates become 2 consistent BatchGetItem requests; found, missing and unprocessed keys map back", async () => {
    let round = 0
    const { client, calls } = fakeClient((call) => {
      const keys: Array<{ pk: string }> = call.input.RequestItems.products.Keys
      expect(call.input.RequestItems.products.ConsistentRead).toBe(true)
      round++
      const unprocessed = round === 1 ? keys.filter((k) => k.pk === "p-7") : []
      return {
        Responses: {
          products: keys.filter((k) => Number(k.pk.slice(2)) % 2 === 1 && !unprocessed.includes(k)).map((k) => ({
            ...product(Number(k.pk.slice(2))),
            _et: "Product"
          }))
        },
        UnprocessedKeys: unprocessed.length > 0 ? { products: { Keys: unprocessed } } : {}
      }
    })
    const pks = [...Array.from({ length: 150 }, (_, i) => `p-${i}`), "p-3", "p-4"]
    const { value } = await run(client, (s) => getAll(s, pks))
    expect(calls.slice(0, 2).map((c) => c.input.RequestItems.products.Keys.length).sort()).toEqual([100, 50])
    expect(calls).toHaveLength(3)
    expect(calls[2]!.input.RequestItems.products.Keys).toEqual([{ pk: "p-7" }])
    expect(value).toHaveLength(152)
    expect(value[3]).toEqual(Result.succeed(product(3)))
    expect(value[4]).toEqual(Result.succeed(undefined))
    expect(value[7]).toEqual(Result.succeed(product(7)))
    expect(value[150]).toEqual(Result.succeed(product(3)))
  })

  test("duplicate keys in one call are written once (DynamoDB rejects duplicates in a batch)", async () => {
    const { client, calls } = fakeClient(() => ({ UnprocessedItems: {} }))
    const { value } = await run(client, (s) => putAll(s, [product(1), product(1)]))
    expect(calls.map(putKeys)).toEqual([["p-1"]])
    expect(value).toHaveLength(2)
  })

  test("a ValidationException of a whole request is pinned on its culprits by halving; their neighbours are written once", async () => {
    const invalid = Object.assign(new Error("Number underflow"), {
      name: "ValidationException",
      $metadata: { httpStatusCode: 400 }
    })
    const written: Array<string> = []
    const { client, calls } = fakeClient((call) => {
      const items = call.input.RequestItems.products.map((r: any) => r.PutRequest.Item)
      if (items.some((i: any) => i.price < 0)) return invalid
      written.push(...items.map((i: any) => i.pk))
      return { UnprocessedItems: {} }
    })
    const products = Array.from(
      { length: 25 },
      (_, i) => (i === 3 || i === 17 ? { ...product(i), price: -1 } : product(i))
    )
    const { value } = await run(client, (s) => putAll(s, products))
    expect(value.map((r, i) => [i, Result.isSuccess(r) ? "ok" : r.failure._tag]).filter(([, t]) => t !== "ok")).toEqual(
      [[3, "AwsItemRejected"], [17, "AwsItemRejected"]]
    )
    expect(value[3]).toMatchObject({
      failure: { operation: "BatchWriteItem", code: "ValidationException", message: "Number underflow" }
    })
    expect(written.sort()).toEqual(products.filter((p) => p.price >= 0).map((p) => p.pk).sort())
    // Halving finds 2 culprits among 25 in far fewer requests than one per item.
    expect(calls.length).toBeLessThanOrEqual(19)
  })

  test("a value the document client cannot serialise fails on the client; halving isolates it too", async () => {
    const { client, calls } = fakeClient(() => ({ UnprocessedItems: {} }))
    const serialiseFirst = {
      send: (command: { input: any; constructor: { name: string } }) => {
        const { input } = documentCall(command)
        if (input.RequestItems.products.some((r: any) => r.PutRequest.Item.price > Number.MAX_SAFE_INTEGER)) {
          return Promise.reject(new Error("Number 10000000000000000 is greater than Number.MAX_SAFE_INTEGER."))
        }
        return client.send(command as never)
      }
    } as unknown as DynamoDBDocumentClient
    const { value } = await run(
      serialiseFirst,
      (s) => putAll(s, [product(1), { ...product(2), price: 1e16 }, product(3)])
    )
    expect(value.map((r) => (Result.isSuccess(r) ? "ok" : r.failure._tag))).toEqual(["ok", "AwsItemRejected", "ok"])
    expect(calls.map(putKeys).flat().sort()).toEqual(["p-1", "p-3"])
  })

  test("a request-wide permanent error (missing table) is not split: one request, every item failed", async () => {
    const missing = Object.assign(new Error("Requested resource not found"), {
      name: "ResourceNotFoundException",
      $metadata: { httpStatusCode: 400 }
    })
    const { client, calls } = fakeClient(() => missing)
    const { value } = await run(client, (s) => putAll(s, Array.from({ length: 25 }, (_, i) => product(i))))
    expect(calls).toHaveLength(1)
    expect(new Set(value.map((r) => Result.isFailure(r) && r.failure._tag))).toEqual(new Set(["AwsPermanentError"]))
  })

  test("no answer within attemptTimeoutMs: the request is aborted and retried; the retry's answer counts", async () => {
    const signals: Array<AbortSignal> = []
    const calls: Array<Call> = []
    const client = {
      send: (command: { constructor: { name: string }; input: unknown }, options: { abortSignal: AbortSignal }) => {
        const call = documentCall(command)
        calls.push(call)
        signals.push(options.abortSignal)
        if (calls.length > 1) return Promise.resolve({ $metadata: {}, ...dynamoAnswer(call.name, { Responses: {} }) })
        // The first never answers.
        return hungUntilAborted(options.abortSignal)
      }
    } as unknown as DynamoDBDocumentClient
    const policy = Layer.succeed(RetryPolicy, { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, attemptTimeoutMs: 60 })
    const started = performance.now()
    const { value, retried, requests } = await run(client, (s) => getAll(s, ["p-1"]), policy)
    expect(performance.now() - started).toBeGreaterThanOrEqual(55)
    expect(calls.map((c) => c.name)).toEqual(["BatchGetCommand", "BatchGetCommand"])
    expect(signals.map((s) => s.aborted)).toEqual([true, false])
    expect(value).toEqual([Result.succeed(undefined)])
    expect({ retried, requests }).toEqual({ retried: 1, requests: { BatchGetItem: 2 } })
  })
})
