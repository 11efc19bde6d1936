import { execute as executeBatchGet } from "dynamodb-toolbox/table/actions/batchGet"
import { execute as executeBatchWrite } from "dynamodb-toolbox/table/actions/batchWrite"
import { Effect, Layer, Result } from "effect"
import { AwsTransientError, type AwsError } from "../domain/errors.ts"
import type { Product } from "../domain/product.ts"
import { AppConfig } from "../config.ts"
import { ProductStore, type ItemOutcome } from "../services/product-store.ts"
import { classifyAwsError } from "./aws-error.ts"
import { chunksOf } from "./chunk.ts"
import { DynamoDocumentClient } from "./clients.ts"
import { deliverAll } from "./deliver.ts"
import { batchGetConsistent, batchPut, makeProductTable } from "./product-table.ts"

// DynamoDB's per-request limits.
export const BATCH_WRITE_LIMIT = 25
export const BATCH_GET_LIMIT = 100

const keysOf = (requests: ReadonlyArray<Record<string, unknown>> | undefined, pick: (r: Record<string, unknown>) => unknown) =>
  new Set((requests ?? []).map((r) => String(pick(r))))

/** Keeps the first of each key: BatchWriteItem and BatchGetItem reject duplicate keys in one request. */
const uniqueBy = <A>(items: ReadonlyArray<A>, key: (a: A) => string): Array<A> => {
  const seen = new Map<string, A>()
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item)
  return [...seen.values()]
}

/** ProductStore on DynamoDB through dynamodb-toolbox: BatchWriteItem and BatchGetItem, chunked and retried per item. */
export const DynamoProductStore = Layer.effect(
  ProductStore,
  Effect.gen(function*() {
    const config = yield* AppConfig
    const client = yield* DynamoDocumentClient
    const model = makeProductTable(config.tableName, client)

    const writeChunk = (products: ReadonlyArray<Product>) =>
      Effect.tryPromise({
        try: (abortSignal) =>
          executeBatchWrite(
            { documentClient: client, abortSignal, maxAttempts: 1 },
            batchPut(model, products)
          ),
        catch: (cause) => classifyAwsError("BatchWriteItem", cause)
      }).pipe(
        Effect.map(({ UnprocessedItems }) => {
          const unprocessed = keysOf(UnprocessedItems?.[config.tableName], (r) => (r as { PutRequest?: { Item?: { pk?: unknown } } }).PutRequest?.Item?.pk)
          return products.map((p): ItemOutcome<void> =>
            unprocessed.has(p.pk)
              ? Result.fail(new AwsTransientError({ operation: "BatchWriteItem", code: "UnprocessedItems", message: "DynamoDB left the item unprocessed" }))
              : Result.void
          )
        })
      )

    const readChunk = (pks: ReadonlyArray<string>) =>
      Effect.tryPromise({
        try: (abortSignal) =>
          executeBatchGet(
            { documentClient: client, abortSignal, maxAttempts: 1 },
            batchGetConsistent(model, pks)
          ),
        catch: (cause) => classifyAwsError("BatchGetItem", cause)
      }).pipe(
        Effect.map(({ Responses, UnprocessedKeys }) => {
          const unprocessed = keysOf(UnprocessedKeys?.[config.tableName]?.Keys, (k) => k.pk)
          const found = Responses?.[0] ?? []
          return pks.map((pk, i): ItemOutcome<Product | undefined> => {
            if (unprocessed.has(pk)) {
              return Result.fail(new AwsTransientError({ operation: "BatchGetItem", code: "UnprocessedKeys", message: "DynamoDB left the key unprocessed" }))
            }
            const item = found[i]
            return Result.succeed(item === undefined ? undefined : { pk: item.pk, name: item.name, price: item.price, ...(item.createdAt === undefined ? {} : { createdAt: item.createdAt }) })
          })
        })
      )

    const inChunks = <I, A>(operation: string, items: ReadonlyArray<I>, size: number, attempt: (chunk: ReadonlyArray<I>) => Effect.Effect<ReadonlyArray<ItemOutcome<A>>, AwsError>) =>
      // Every chunk at once: the invocation's request permits bound what is in flight.
      Effect.forEach(chunksOf(items, size), (chunk) => deliverAll(operation, chunk, attempt), { concurrency: "unbounded" }).pipe(
        Effect.map((results) => results.flat())
      )

    return ProductStore.of({
      putAll: (products) =>
        Effect.gen(function*() {
          const unique = uniqueBy(products, (p) => p.pk)
          const outcomes = yield* inChunks("BatchWriteItem", unique, BATCH_WRITE_LIMIT, writeChunk)
          const byPk = new Map(unique.map((p, i) => [p.pk, outcomes[i]!]))
          return products.map((p) => byPk.get(p.pk)!)
        }),
      getAll: (pks) =>
        Effect.gen(function*() {
          const unique = uniqueBy(pks, (pk) => pk)
          const outcomes = yield* inChunks("BatchGetItem", unique, BATCH_GET_LIMIT, readChunk)
          const byPk = new Map(unique.map((pk, i) => [pk, outcomes[i]!]))
          return pks.map((pk) => byPk.get(pk)!)
        })
    })
  })
)
