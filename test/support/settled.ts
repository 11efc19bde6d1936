import { Effect } from "effect"
import type { Product } from "../../src/domain/product.ts"
import type { MessageQueueShape, OutgoingMessage } from "../../src/services/message-queue.ts"
import type { ItemOutcome, ProductStore, Settled } from "../../src/services/product-store.ts"

/** Runs a call that settles items through a callback; returns each item's outcome, in input order. */
const inOrder = <T, A>(items: ReadonlyArray<T>, call: (settled: Settled<T, A>) => Effect.Effect<void>) =>
  Effect.gen(function*() {
    const outcomes = new Map<T, ItemOutcome<A>>()
    yield* call((results) => Effect.sync(() => results.forEach(([item, outcome]) => outcomes.set(item, outcome))))
    return items.map((item) => outcomes.get(item)!)
  })

export const putAll = (store: ProductStore["Service"], products: ReadonlyArray<Product>) =>
  inOrder<Product, void>(products, (settled) => store.putAll(products, (p) => p, settled))

export const getAll = (store: ProductStore["Service"], pks: ReadonlyArray<string>) =>
  inOrder<string, Product | undefined>(pks, (settled) => store.getAll(pks, (pk) => pk, settled))

export const sendAll = (queue: MessageQueueShape, messages: ReadonlyArray<OutgoingMessage>) =>
  inOrder<OutgoingMessage, void>(messages, (settled) => queue.sendAll(messages, (m) => m, settled))
