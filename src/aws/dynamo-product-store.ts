import { Effect, Layer, Result } from "effect"
import { forEachAtOnce } from "../batch/all-at-once.ts"
import { AppConfig } from "../config.ts"
import { AwsTransientError } from "../domain/errors.ts"
import type { Product } from "../domain/product.ts"
import { type ItemOutcome, ProductStore, type Settled } from "../services/product-store.ts"
import { awsRequest } from "./aws-request.ts"
import { type BatchAttempt, batchCall } from "./batch-call.ts"
import { sendAborting } from "./cached-handlers.ts"
import { chunksOf } from "./chunk.ts"
import { DynamoDocumentClient } from "./clients.ts"
import { batchGetItem, batchWriteItem, readResults, unprocessedWrites } from "./document-items.ts"
import {
  BATCH_GET_LIMIT,
  BATCH_WRITE_LIMIT,
  consistentGetRequests,
  formatProduct,
  makeProductTable,
  putRequests
} from "./product-table.ts"

/**
 * Groups items by key: BatchWriteItem and BatchGetItem reject duplicate keys in one request, so
 * one item per key is sent, and its outcome is given to every item with that key.
 */
const byKey = <T>(items: ReadonlyArray<T>, key: (item: T) => string) => {
  const groups = new Map<string, Array<T>>()
  for (const item of items) {
    const group = groups.get(key(item))
    if (group) group.push(item)
    else groups.set(key(item), [item])
  }
  const fanOut = <A>(settled: Settled<T, A>): Settled<T, A> => (results) =>
    settled(results.flatMap(([item, outcome]) => groups.get(key(item))!.map((each) => [each, outcome] as const)))
  return { unique: [...groups.values()].map((group) => group[0]!), fanOut }
}

/** ProductStore on DynamoDB through dynamodb-toolbox: BatchWriteItem and BatchGetItem, chunked and retried per item. */
export const DynamoProductStore = Layer.effect(
  ProductStore,
  Effect.gen(function*() {
    const config = yield* AppConfig
    const client = yield* DynamoDocumentClient
    const model = makeProductTable(config.tableName, client)

    // The store's steps are untraced: a trace shows each request as its batchCall span, and a span
    // here would say nothing more but cost its making on every call (see README, "What it costs").

    // dynamodb-toolbox's model builds and checks the requests (parse) and formats the answers, through its fast
    // path for the items it takes as they are (product-table.ts, entity-fast-path.ts); they are sent as DynamoDB's
    // own commands through a cached handler (cached-handlers.ts, document-items.ts) rather than by toolbox's execute,
    // whose document client commands rebuild the SDK's middleware stack on every send, and which matched each key
    // to its item by a scan of the answers per key. One attempt each: batchCall retries.

    /** One BatchWriteItem request; the building (and the client's serialisation) is inside the attempt. */
    const writeChunk = Effect.fnUntraced(function* writeChunk(products: ReadonlyArray<Product>, timeoutMs: number) {
      const unprocessed = yield* awsRequest(
        "BatchWriteItem",
        timeoutMs,
        (abortSignal) =>
          sendAborting(client, batchWriteItem(putRequests(model, products)), abortSignal).then((output) =>
            new Set(unprocessedWrites(output, config.tableName).map((item) => String(item.pk)))
          )
      )
      // The error made only when an item was left: an Effect error captures a stack trace when made.
      if (unprocessed.size === 0) return products.map((): ItemOutcome<void> => Result.void)
      const left = new AwsTransientError({
        operation: "BatchWriteItem",
        code: "UnprocessedItems",
        message: "DynamoDB left the item unprocessed"
      })
      return products.map((p): ItemOutcome<void> => (unprocessed.has(p.pk) ? Result.fail(left) : Result.void))
    })

    /** One strongly consistent BatchGetItem request; the answers formatted inside the attempt. */
    const readChunk = Effect.fnUntraced(function* readChunk(pks: ReadonlyArray<string>, timeoutMs: number) {
      const { found, unprocessed } = yield* awsRequest(
        "BatchGetItem",
        timeoutMs,
        (abortSignal) =>
          sendAborting(client, batchGetItem(consistentGetRequests(model, pks)), abortSignal).then((output) => {
            const { found, unprocessed } = readResults(output, config.tableName)
            return {
              found: new Map(found.map((item) => [String(item.pk), formatProduct(model, item)])),
              unprocessed: new Set(unprocessed.map((key) => String(key.pk)))
            }
          })
      )
      return pks.map((pk): ItemOutcome<Product | undefined> => {
        if (unprocessed.has(pk)) {
          const message = "DynamoDB left the key unprocessed"
          return Result.fail(new AwsTransientError({ operation: "BatchGetItem", code: "UnprocessedKeys", message }))
        }
        const item = found.get(pk)
        if (item === undefined) return Result.succeed(undefined)
        const { name, price, createdAt } = item
        return Result.succeed({ pk: item.pk, name, price, ...(createdAt === undefined ? {} : { createdAt }) })
      })
    })

    // Every chunk at once: the invocation's request permits bound what is in flight.
    const inChunks = <T, A>(
      operation: string,
      items: ReadonlyArray<T>,
      size: number,
      attempt: BatchAttempt<T, A>,
      settled: Settled<T, A>
    ) => forEachAtOnce(chunksOf(items, size), (chunk) => batchCall(operation, chunk, attempt, settled))

    return ProductStore.of({
      putAll: Effect.fnUntraced(function* putAll<T>(
        items: ReadonlyArray<T>,
        productOf: (item: T) => Product,
        settled: Settled<T, void>
      ) {
        const { unique, fanOut } = byKey(items, (item) => productOf(item).pk)
        const write = (chunk: ReadonlyArray<T>, timeoutMs: number) => writeChunk(chunk.map(productOf), timeoutMs)
        yield* inChunks("BatchWriteItem", unique, BATCH_WRITE_LIMIT, write, fanOut(settled))
      }),
      getAll: Effect.fnUntraced(function* getAll<T>(
        items: ReadonlyArray<T>,
        pkOf: (item: T) => string,
        settled: Settled<T, Product | undefined>
      ) {
        const { unique, fanOut } = byKey(items, pkOf)
        yield* inChunks(
          "BatchGetItem",
          unique,
          BATCH_GET_LIMIT,
          (chunk, timeoutMs) => readChunk(chunk.map(pkOf), timeoutMs),
          fanOut(settled)
        )
      })
    })
  })
)
