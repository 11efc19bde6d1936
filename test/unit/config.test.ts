import { describe, expect, test } from "bun:test"
import { ConfigProvider, Effect, Exit } from "effect"
import { resolve } from "node:path"
import { STACK_DEFAULTS } from "../../local/stack/defaults.ts"
import { appConfig, DEFAULT_MAX_CONCURRENCY, ENV } from "../../src/config.ts"

const load = (env: Record<string, string>) =>
  Effect.runSyncExit(
    Effect.gen(function*() {
      return yield* appConfig
    }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env })))
  )

const outputUrl = "https://sqs.eu-west-1.amazonaws.com/1/out"
const deadLetterUrl = "https://sqs.eu-west-1.amazonaws.com/1/dlq"
const valid = {
  [ENV.tableName]: "products",
  [ENV.outputQueueUrl]: outputUrl,
  [ENV.deadLetterQueueUrl]: deadLetterUrl
}

const errorText = (env: Record<string, string>) => {
  const exit = load(env)
  if (Exit.isSuccess(exit)) throw new Error("expected a configuration error")
  return String(exit.cause.reasons.map((r) => (r._tag === "Fail" ? (r.error as Error).message : "")).join(" "))
}

describe("configuration", () => {
  test("reads the settings, MAX_CONCURRENCY defaulting to DEFAULT_MAX_CONCURRENCY", () => {
    expect(load(valid)).toEqual(
      Exit.succeed({
        tableName: "products",
        outputQueueUrl: outputUrl,
        deadLetterQueueUrl: deadLetterUrl,
        maxConcurrency: DEFAULT_MAX_CONCURRENCY
      })
    )
    expect(load({ ...valid, [ENV.maxConcurrency]: "8" })).toMatchObject({ value: { maxConcurrency: 8 } })
  })

  test.each([
    [ENV.tableName, { [ENV.outputQueueUrl]: outputUrl, [ENV.deadLetterQueueUrl]: deadLetterUrl }],
    [ENV.outputQueueUrl, { ...valid, [ENV.outputQueueUrl]: "not a url" }],
    [ENV.deadLetterQueueUrl, { [ENV.tableName]: "t", [ENV.outputQueueUrl]: outputUrl }],
    [ENV.maxConcurrency, { ...valid, [ENV.maxConcurrency]: "0" }],
    [ENV.maxConcurrency, { ...valid, [ENV.maxConcurrency]: "lots" }]
  ])("a missing or invalid %s is named in the error", (name, env) => {
    expect(errorText(env as Record<string, string>)).toContain(name)
  })

  // Terraform's default is checked against it in test/terraform/defaults.test.ts.
  test("MAX_CONCURRENCY's default has one source: the local stack and the README say the same", async () => {
    const root = resolve(import.meta.dir, "../..")
    expect(load(valid)).toMatchObject({ value: { maxConcurrency: DEFAULT_MAX_CONCURRENCY } })
    expect(STACK_DEFAULTS.maxConcurrencyInFunction).toBe(DEFAULT_MAX_CONCURRENCY)
    const readme = await Bun.file(`${root}/README.md`).text()
    expect(readme).toMatch(new RegExp(`\\| \`${ENV.maxConcurrency}\` \\|[^\\n]*default ${DEFAULT_MAX_CONCURRENCY} \\|`))
  })
})
