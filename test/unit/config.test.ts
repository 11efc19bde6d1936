import { describe, expect, test } from "bun:test"
import { Config, ConfigProvider, Effect, Exit } from "effect"
import fc from "fast-check"
import { resolve } from "node:path"
import { STACK_DEFAULTS } from "../../local/stack/defaults.ts"
import {
  appConfig,
  AWS_HTTP_CLIENT_ENV,
  AwsHttpClientName,
  DEFAULT_MAX_CONCURRENCY,
  ENV,
  MaxConcurrency,
  QueueUrl
} from "../../src/config.ts"

const load = (env: Record<string, string>) => Effect.runSyncExit(appConfig(env))

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
        maxConcurrency: DEFAULT_MAX_CONCURRENCY,
        awsHttpClient: "socket"
      })
    )
    expect(load({ ...valid, [ENV.maxConcurrency]: "8" })).toMatchObject({ value: { maxConcurrency: 8 } })
  })

  test("the SDK's requests on the function's own sockets unless BUN_AWS_HTTP_CLIENT=fetch; anything else refused", () => {
    expect(load({ ...valid, [AWS_HTTP_CLIENT_ENV]: "fetch" })).toMatchObject({ value: { awsHttpClient: "fetch" } })
    expect(load({ ...valid, [AWS_HTTP_CLIENT_ENV]: "socket" })).toMatchObject({ value: { awsHttpClient: "socket" } })
    expect(load({ ...valid, [AWS_HTTP_CLIENT_ENV]: "" })).toMatchObject({ value: { awsHttpClient: "socket" } })
    expect(errorText({ ...valid, [AWS_HTTP_CLIENT_ENV]: "sockets" })).toContain(AWS_HTTP_CLIENT_ENV)
  })

  test("reads only its own variables, an empty one as unset (as Effect's Config did)", () => {
    expect(load({ ...valid, [ENV.maxConcurrency]: "" })).toMatchObject({
      value: { maxConcurrency: DEFAULT_MAX_CONCURRENCY }
    })
    expect(errorText({ ...valid, [ENV.tableName]: "" })).toContain(ENV.tableName)
    expect(load({ ...valid, OTHER: "x", [`${ENV.tableName}_EXTRA`]: "" })).toEqual(load(valid))
  })

  test("the same settings and the same verdicts as Effect's Config with the same schemas, on any values", () => {
    const viaConfig = (env: Record<string, string>) =>
      Effect.runSyncExit(
        Config.all({
          tableName: Config.NonEmptyString(ENV.tableName),
          outputQueueUrl: Config.schema(QueueUrl, ENV.outputQueueUrl),
          deadLetterQueueUrl: Config.schema(QueueUrl, ENV.deadLetterQueueUrl),
          maxConcurrency: Config.schema(MaxConcurrency, ENV.maxConcurrency).pipe(
            Config.withDefault(DEFAULT_MAX_CONCURRENCY)
          ),
          awsHttpClient: Config.schema(AwsHttpClientName, AWS_HTTP_CLIENT_ENV).pipe(
            Config.withDefault("socket" as const)
          )
        }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env })))
      )
    const value = fc.oneof(
      fc.constant(""),
      fc.constantFrom("", " ", "0", "1", "32", "1000", "1001", "-1", "2.5", "x", "https://q/1", "http://q", "ftp://q"),
      fc.string()
    )
    // Mostly valid values, so that one odd value at a time is often what decides.
    const mostly = (...good: Array<string>) => fc.oneof({ arbitrary: fc.constantFrom(...good), weight: 3 }, value)
    const env = fc.record({
      [ENV.tableName]: mostly("products"),
      [ENV.outputQueueUrl]: mostly(outputUrl),
      [ENV.deadLetterQueueUrl]: mostly(deadLetterUrl),
      [ENV.maxConcurrency]: mostly("8", "1000"),
      [AWS_HTTP_CLIENT_ENV]: mostly("socket", "fetch")
    }, { requiredKeys: [] })
    fc.assert(
      fc.property(env, (e) => {
        const [ours, theirs] = [load(e), viaConfig(e)]
        expect(ours._tag).toBe(theirs._tag)
        if (Exit.isSuccess(ours) && Exit.isSuccess(theirs)) expect(ours.value).toEqual(theirs.value)
      }),
      { numRuns: 1_000 }
    )
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
