import { Context, type Effect, type Result } from "effect"
import type { AwsError } from "../domain/errors.ts"
import type { Product } from "../domain/product.ts"

export type ItemOutcome<A> = Result.Result<A, AwsError>

/**
 * Told of items as they reach their final outcome: as soon as the request that carried them is
 * done (or given up), not when the whole call is. The items are the caller's own values.
 */
export type Settled<T, A> = (results: ReadonlyArray<readonly [T, ItemOutcome<A>]>) => Effect.Effect<void>

/**
 * The product table. Calls take all of the caller's items at once so that the implementation can
 * batch; they never fail as a whole: each item gets its own outcome through `settled`.
 */
export class ProductStore extends Context.Service<ProductStore, {
  readonly putAll: <T>(
    items: ReadonlyArray<T>,
    productOf: (item: T) => Product,
    settled: Settled<T, void>
  ) => Effect.Effect<void>
  readonly getAll: <T>(
    items: ReadonlyArray<T>,
    pkOf: (item: T) => string,
    settled: Settled<T, Product | undefined>
  ) => Effect.Effect<void>
}>()("ProductStore") {}
