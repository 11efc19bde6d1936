import type { Variant } from "./run-case.ts"

export interface VariantChoice {
  /** What ships: the unpacked layer's bootstrap and the task root (with the baseline bundled beside). */
  readonly shipped: { readonly taskRoot: string; readonly bootstrap: string }
  readonly quick: boolean
  readonly baseline: boolean
  /** The same handler on Node.js + aws-lambda-ric, set up only when asked for. */
  readonly node?: () => Variant
  /** Invocations per environment for the Managed Instances variant; 1 or less for none. */
  readonly perEnvironment: number
  readonly concurrency: number
}

/** The variants one benchmark run measures, in the order of the report's tables. */
export const loadVariants = (choice: VariantChoice): Array<Variant> => {
  const { shipped, perEnvironment } = choice
  return [
    { name: "batched (this product)", key: "batched", function: { ...shipped, handler: "handler.handler" } },
    ...(choice.baseline
      ? [{ name: "one at a time (baseline)", key: "baseline", function: { ...shipped, handler: "baseline.handler" } }]
      : []),
    // How much of the gap is the transport rather than batching: the baseline on this product's transport.
    ...(choice.baseline && !choice.quick
      ? [{
        name: "one at a time, fetch transport",
        key: "baseline-fetch",
        function: { ...shipped, handler: "baseline.handler" },
        env: { BASELINE_TRANSPORT: "fetch" }
      }]
      : []),
    ...(choice.node ? [choice.node()] : []),
    // The same bundle with several invocations per environment, as many in flight in all as above.
    ...(perEnvironment <= 1 ? [] : [{
      name: `batched, ${perEnvironment} per environment (Managed Instances)`,
      key: "managed",
      function: { ...shipped, handler: "handler.handler" },
      perEnvironment,
      environments: Math.max(1, Math.ceil(choice.concurrency / perEnvironment))
    }])
  ]
}
