import { Config, Context, Schema } from "effect"
import { METRICS_ENV } from "./observability/metrics-config.ts"

export interface AppConfigShape {
  readonly tableName: string
  readonly outputQueueUrl: string
  readonly deadLetterQueueUrl: string
  /** Upper bound on AWS requests in flight at once within an invocation. */
  readonly maxConcurrency: number
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

const QueueUrl = Schema.String.check(Schema.isPattern(/^https?:\/\/\S+$/, { message: "must be an http(s) queue URL" }))
const MaxConcurrency = Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 1_000 }))

/** The function's settings, read from the environment once per cold start. */
export const appConfig: Config.Config<AppConfigShape> = Config.all({
  tableName: Config.NonEmptyString(ENV.tableName),
  outputQueueUrl: Config.schema(QueueUrl, ENV.outputQueueUrl),
  deadLetterQueueUrl: Config.schema(QueueUrl, ENV.deadLetterQueueUrl),
  maxConcurrency: Config.schema(MaxConcurrency, ENV.maxConcurrency).pipe(Config.withDefault(DEFAULT_MAX_CONCURRENCY))
})

/** The settings read at cold start (handler.ts), provided to the services by liveLayer. */
export class AppConfig extends Context.Service<AppConfig, AppConfigShape>()("AppConfig") {}
