import { Context, Effect, Schema } from "effect"
import { type Environment, environmentDecoder } from "./environment.ts"
import { METRICS_ENV } from "./observability/metrics-config.ts"

export interface AppConfigShape {
  readonly tableName: string
  readonly outputQueueUrl: string
  readonly deadLetterQueueUrl: string
  /** Upper bound on AWS requests in flight at once within an invocation. */
  readonly maxConcurrency: number
  /** On Bun, what carries the SDK's requests (see src/aws/clients.ts). */
  readonly awsHttpClient: AwsHttpClientName
}

/**
 * The one source of MAX_CONCURRENCY's default; terraform/variables.tf, local/stack/defaults.ts and
 * the README are tested against it (test/unit/config.test.ts).
 */
export const DEFAULT_MAX_CONCURRENCY = 32

/** The environment variables the function reads (Terraform must set exactly these). */
export const ENV = {
  tableName: "TABLE_NAME",
  outputQueueUrl: "OUTPUT_QUEUE_URL",
  deadLetterQueueUrl: "DEAD_LETTER_QUEUE_URL",
  maxConcurrency: "MAX_CONCURRENCY",
  ...METRICS_ENV
} as const

/**
 * On Bun, the SDK's requests go over the function's own sockets (`socket`, the default) or Bun's fetch
 * (`fetch`, the way back). Not one of ENV: Terraform does not set it; a function's environment may.
 */
export const AWS_HTTP_CLIENT_ENV = "BUN_AWS_HTTP_CLIENT"
export const AwsHttpClientName = Schema.Literals(["socket", "fetch"])
export type AwsHttpClientName = typeof AwsHttpClientName.Type
export const DEFAULT_AWS_HTTP_CLIENT: AwsHttpClientName = "socket"

export const QueueUrl = Schema.String.check(
  Schema.isPattern(/^https?:\/\/\S+$/, { message: "must be an http(s) queue URL" })
)
export const MaxConcurrency = Schema.NumberFromString.check(
  Schema.isInt(),
  Schema.isBetween({ minimum: 1, maximum: 1_000 })
)

const decodeSettings = environmentDecoder(Schema.Struct({
  [ENV.tableName]: Schema.NonEmptyString,
  [ENV.outputQueueUrl]: QueueUrl,
  [ENV.deadLetterQueueUrl]: QueueUrl,
  [ENV.maxConcurrency]: Schema.optionalKey(MaxConcurrency),
  [AWS_HTTP_CLIENT_ENV]: Schema.optionalKey(AwsHttpClientName)
}))

/** The function's settings, read from the environment once per cold start. */
export const appConfig = (env: Environment): Effect.Effect<AppConfigShape, Schema.SchemaError> =>
  decodeSettings(env).pipe(Effect.map((settings) => ({
    tableName: settings[ENV.tableName],
    outputQueueUrl: settings[ENV.outputQueueUrl],
    deadLetterQueueUrl: settings[ENV.deadLetterQueueUrl],
    maxConcurrency: settings[ENV.maxConcurrency] ?? DEFAULT_MAX_CONCURRENCY,
    awsHttpClient: settings[AWS_HTTP_CLIENT_ENV] ?? DEFAULT_AWS_HTTP_CLIENT
  })))

/** The settings read at cold start (handler.ts), provided to the services by liveLayer. */
export class AppConfig extends Context.Service<AppConfig, AppConfigShape>()("AppConfig") {}
