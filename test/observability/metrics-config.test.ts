import { describe, expect, test } from "bun:test"
import { ConfigProvider, Effect, Exit } from "effect"
import { DEFAULT_METRICS_NAMESPACE, METRICS_ENV, metricsConfig } from "../../src/observability/metrics-config.ts"

const load = (env: Record<string, string>) =>
  Effect.runSyncExit(Effect.provideService(
    Effect.gen(function*() {
      return yield* metricsConfig
    }),
    ConfigProvider.ConfigProvider,
    ConfigProvider.fromEnv({ env })
  ))

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

  test("29 dimensions besides FunctionName are accepted (30 in the set)", () => {
    expect(load({ [METRICS_ENV.metricsDimensions]: Array.from({ length: 29 }, (_, i) => `D${i}=v`).join(",") })._tag)
      .toBe("Success")
  })
})
