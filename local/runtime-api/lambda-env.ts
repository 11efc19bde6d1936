import { dirname, resolve } from "node:path"

export interface LambdaEnvSettings {
  /** host:port of the Runtime API the runtime polls. */
  readonly runtimeApi: string
  readonly bootstrap: string
  readonly taskRoot: string
  readonly handler: string
  readonly functionName: string
  readonly memorySizeMb: number
  /** Invocations at once (Lambda Managed Instances); 1 for classic Lambda. */
  readonly maxConcurrency: number
  /** The log stream's random part, and the day it starts (its name begins with the date). */
  readonly streamId: string
  readonly now: Date
  /** AWS_REGION, AWS_ACCESS_KEY_ID... as Lambda hands the function its role's credentials. */
  readonly identity: Record<string, string>
  /** The PATH the runtime finds its tools on, and the Bun binary it runs on (runtime/bootstrap's BUN_BINARY). */
  readonly path: string
  readonly bunBinary: string
  /** The function's own variables (Terraform's `environment`): last, so they win. */
  readonly env?: Record<string, string>
}

/**
 * The environment variables Lambda starts a custom runtime's `bootstrap` with
 * (AWS documentation: "Defined runtime environment variables").
 */
export const lambdaEnvironment = (s: LambdaEnvSettings): Record<string, string> => ({
  PATH: s.path,
  LANG: "en_US.UTF-8",
  TZ: ":UTC",
  BUN_BINARY: s.bunBinary,
  AWS_LAMBDA_RUNTIME_API: s.runtimeApi,
  _HANDLER: s.handler,
  LAMBDA_TASK_ROOT: resolve(s.taskRoot),
  LAMBDA_RUNTIME_DIR: dirname(resolve(s.bootstrap)),
  AWS_LAMBDA_FUNCTION_NAME: s.functionName,
  AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(s.memorySizeMb),
  AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${s.functionName}`,
  AWS_LAMBDA_LOG_STREAM_NAME: `${s.now.toISOString().slice(0, 10).replace(/-/g, "/")}/[$LATEST]${s.streamId}`,
  ...s.identity,
  ...(s.maxConcurrency > 1 ? { AWS_LAMBDA_MAX_CONCURRENCY: String(s.maxConcurrency) } : {}),
  ...s.env
})
