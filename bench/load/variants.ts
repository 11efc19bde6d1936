import type { Schedule } from "./pairing.ts"
import type { Variant } from "./run-case.ts"

/**
 * This product's two runs: alone with every environment (what the baselines, Managed Instances, the
 * cost and the chart are compared with), and beside its Node.js twin (what Node.js is compared with).
 */
export const BUN_ALONE = "batched"
export const BUN_PAIRED = "batched-paired"

export interface VariantChoice {
  /** What ships: the unpacked layer's bootstrap and the task root (with the baseline bundled beside). */
  readonly shipped: { readonly taskRoot: string; readonly bootstrap: string }
  readonly quick: boolean
  readonly baseline: boolean
  /** The same handler on Node.js + aws-lambda-ric, set up only when asked for. */
  readonly node?: () => Variant
  /** How this product's second run goes with the Node.js one (default alternating). */
  readonly pairSchedule?: Exclude<Schedule, "alone">
  /** Invocations per environment for the Managed Instances variant; 1 or less for none. */
  readonly perEnvironment: number
  readonly concurrency: number
  /** Extra function environment for this product's runs (--bun-env), e.g. a JavaScriptCore setting the layer yields to. */
  readonly bunEnv?: Record<string, string>
}

/** The variants one benchmark run measures, in the order of the report's tables. */
export const loadVariants = (choice: VariantChoice): Array<Variant> => {
  const { shipped, perEnvironment } = choice
  const bun = { ...shipped, handler: "handler.handler" }
  const bunEnv = choice.bunEnv ? { env: choice.bunEnv } : {}
  return [
    { name: "batched (this product)", key: BUN_ALONE, function: bun, ...bunEnv },
    ...(choice.baseline
      ? [{ name: "one at a time (baseline)", key: "baseline", function: { ...shipped, handler: "baseline.handler" } }]
      : []),
    // How much of the gap is the transport rather than batching: the baseline on this product's transport.
    ...(choice.baseline && !choice.quick
      ? [{
        name: "one at a time, this product's transport",
        key: "baseline-transport",
        function: { ...shipped, handler: "baseline.handler" },
        env: { BASELINE_TRANSPORT: "product" }
      }]
      : []),
    // This product again, run with its Node.js twin (bench/load/pairing.ts), so that the two share their conditions.
    ...(choice.node
      ? [
        {
          name: `batched, ${choice.pairSchedule ?? "alternating"} with Node.js`,
          key: BUN_PAIRED,
          function: bun,
          ...bunEnv
        },
        choice.node()
      ]
      : []),
    // The same bundle with several invocations per environment, as many in flight in all as above.
    ...(perEnvironment <= 1 ? [] : [{
      name: `batched, ${perEnvironment} per environment (Managed Instances)`,
      key: "managed",
      function: bun,
      ...bunEnv,
      perEnvironment,
      environments: Math.max(1, Math.ceil(choice.concurrency / perEnvironment))
    }])
  ]
}
