import { Context, Effect, Layer, Result } from "effect"
import type { AwsError } from "../domain/errors.ts"
import type { Product } from "../domain/product.ts"

export type ItemOutcome<A> = Result.Result<A, AwsError>

/**
 * The product table. Calls take whole waves of records so that the implementation can batch;
 * they never fail as a whole: each input gets its own outcome, in input order.
 */
export class ProductStore extends Context.Service<ProductStore, {
  readonly putAll: (products: ReadonlyArray<Product>) => Effect.Effect<ReadonlyArray<ItemOutcome<void>>>
  readonly getAll: (pks: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<ItemOutcome<Product | undefined>>>
}>()("ProductStore") {
  /** In-memory table for unit tests; `fault` lets a test fail chosen calls. */
  static readonly memory = (options: {
    readonly items?: Map<string, Product>
    readonly fault?: (operation: "put" | "get", pk: string) => AwsError | undefined
  } = {}) =>
    Layer.sync(ProductStore, () => {
      const items = options.items ?? new Map<string, Product>()
      const fault = options.fault ?? (() => undefined)
      return ProductStore.of({
        putAll: (products) =>
          Effect.sync(() =>
            products.map((p) => {
              const error = fault("put", p.pk)
              if (error) return Result.fail(error)
              items.set(p.pk, p)
              return Result.void
            })
          ),
        getAll: (pks) =>
          Effect.sync(() =>
            pks.map((pk) => {
              const error = fault("get", pk)
              return error ? Result.fail(error) : Result.succeed(items.get(pk))
            })
          )
      })
    })
}
