import { Config, Context, Layer, Schema } from "effect"

export interface AppConfigShape {
  readonly tableName: string
  readonly outputQueueUrl: string
  readonly deadLetterQueueUrl: string
  /** Upper bound on AWS requests in flight at once within an invocation. */
  readonly maxConcurrency: number
}

export const DEFAULT_MAX_CONCURRENCY = 32

const QueueUrl = Schema.String.check(Schema.isPattern(/^https?:\/\/\S+$/, { message: "must be an http(s) queue URL" }))
const MaxConcurrency = Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 1_000 }))

/** The function's settings, read from the environment once per cold start. */
export const appConfig: Config.Config<AppConfigShape> = Config.all({
  tableName: Config.NonEmptyString("TABLE_NAME"),
  outputQueueUrl: Config.schema(QueueUrl, "OUTPUT_QUEUE_URL"),
  deadLetterQueueUrl: Config.schema(QueueUrl, "DEAD_LETTER_QUEUE_URL"),
  maxConcurrency: Config.schema(MaxConcurrency, "MAX_CONCURRENCY").pipe(Config.withDefault(DEFAULT_MAX_CONCURRENCY))
})

export class AppConfig extends Context.Service<AppConfig, AppConfigShape>()("AppConfig") {
  static readonly layer = Layer.effect(AppConfig, appConfig)
}
