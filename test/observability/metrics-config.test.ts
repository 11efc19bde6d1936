import { describe, expect, test } from "bun:test"
import { Config, ConfigProvider, Effect, Exit } from "effect"
import fc from "fast-check"
import { DEFAULT_METRICS_NAMESPACE, METRICS_ENV, metricsConfig } from "../../src/observability/metrics-config.ts"

const load = (env: Record<string, string>) => Effect.runSyncExit(metricsConfig(env))

const errorText = (env: Record<string, string>) => {
  const exit = load(env)
  if (Exit.isSuccess(exit)) throw new Error("expected a configuration error")
  return exit.cause.reasons.map((r) => (r._tag === "Fail" ? (r.error as Error).message : "")).join(" ")
}

describe("metric settings", () => {
  test("defaults: on, namespace BunSqsLambda, no dimension besides FunctionName", () => {
    expect(load({})).toEqual(Exit.succeed({ enabled: true, namespace: DEFAULT_METRICS_NAMESPACE, dimensions: {} }))
  })

  test("reads METRICS_ENABLED, METRICS_NAMESPACE and Name=value METRICS_DIMENSIONS", () => {
    expect(
      load({
        [METRICS_ENV.metricsEnabled]: "false",
        [METRICS_ENV.metricsNamespace]: "Shop/Orders",
        [METRICS_ENV.metricsDimensions]: "Stage=prod, Team=shop floor"
      })
    )
      .toEqual(
        Exit.succeed({ enabled: false, namespace: "Shop/Orders", dimensions: { Stage: "prod", Team: "shop floor" } })
      )
    expect(load({ [METRICS_ENV.metricsDimensions]: "" })).toMatchObject({ value: { dimensions: {} } })
  })

  test.each([
    [METRICS_ENV.metricsNamespace, { [METRICS_ENV.metricsNamespace]: "AWS/Lambda" }],
    [METRICS_ENV.metricsNamespace, { [METRICS_ENV.metricsNamespace]: "x".repeat(256) }],
    [METRICS_ENV.metricsNamespace, { [METRICS_ENV.metricsNamespace]: "é" }],
    [METRICS_ENV.metricsDimensions, { [METRICS_ENV.metricsDimensions]: "Stage" }],
    [METRICS_ENV.metricsDimensions, { [METRICS_ENV.metricsDimensions]: "Stage= " }],
    [METRICS_ENV.metricsDimensions, { [METRICS_ENV.metricsDimensions]: ":Stage=prod" }],
    [METRICS_ENV.metricsDimensions, { [METRICS_ENV.metricsDimensions]: "FunctionName=other" }],
    [METRICS_ENV.metricsDimensions, {
      [METRICS_ENV.metricsDimensions]: Array.from({ length: 30 }, (_, i) => `D${i}=v`).join(",")
    }],
    [METRICS_ENV.metricsEnabled, { [METRICS_ENV.metricsEnabled]: "maybe" }]
  ])("an invalid %s is named in the error", (name, env) => {
    expect(errorText(env as Record<string, string>)).toContain(name)
  })

  test("METRICS_ENABLED: the words Effect's Config.Boolean reads, with the same verdicts; empty is unset", () => {
    const viaConfig = (word: string) =>
      Effect.runSyncExit(
        Config.Boolean(METRICS_ENV.metricsEnabled).pipe(
          Config.withDefault(true),
          Effect.provideService(
            ConfigProvider.ConfigProvider,
            ConfigProvider.fromEnv({ env: { [METRICS_ENV.metricsEnabled]: word } })
          )
        )
      )
    const words = [
      "true",
      "yes",
      "on",
      "1",
      "y",
      "false",
      "no",
      "off",
      "0",
      "n",
      "",
      "TRUE",
      "Yes",
      " true",
      "2",
      "maybe"
    ]
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...words), fc.string()), (word) => {
        const [ours, theirs] = [load({ [METRICS_ENV.metricsEnabled]: word }), viaConfig(word)]
        expect(ours._tag).toBe(theirs._tag)
        if (Exit.isSuccess(ours) && Exit.isSuccess(theirs)) expect(ours.value.enabled).toBe(theirs.value)
      }),
      { numRuns: 300 }
    )
    expect(load({ [METRICS_ENV.metricsEnabled]: "on" })).toMatchObject({ value: { enabled: true } })
    expect(load({ [METRICS_ENV.metricsEnabled]: "0" })).toMatchObject({ value: { enabled: false } })
    expect(load({ [METRICS_ENV.metricsNamespace]: "" })).toMatchObject({
      value: { namespace: DEFAULT_METRICS_NAMESPACE }
    })
  })

  test("29 dimensions besides FunctionName are accepted (30 in the set)", () => {
    expect(load({ [METRICS_ENV.metricsDimensions]: Array.from({ length: 29 }, (_, i) => `D${i}=v`).join(",") })._tag)
      .toBe("Success")
  })
})
