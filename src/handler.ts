import { Effect } from "effect"
import { liveLayer } from "./app/live-layer.ts"
import { makeHandler } from "./app/make-handler.ts"
import { appConfig } from "./config.ts"
import { levelFromEnv } from "./log/lambda-logger.ts"

// Cold start: a missing or invalid setting throws here, naming the variable, so the runtime
// reports an init error instead of failing every invocation later.
const config = Effect.runSync(
  Effect.gen(function*() {
    return yield* appConfig
  }).pipe(Effect.mapError((e) => new Error(`invalid configuration: ${e.message.replace(/\n\s*/g, " ")}`)))
)

const app = makeHandler(liveLayer(config, levelFromEnv(process.env.AWS_LAMBDA_LOG_LEVEL)))

/**
 * Awaited by the runtime before the first invocation (a CommonJS bundle has no top-level await):
 * builds and primes the clients during init, which Lambda runs unthrottled, not on the first
 * invocation.
 */
export const __lambdaInit = (): Promise<void> => app.runtime.runPromise(Effect.void)

/** The Lambda entry point: `handler.handler` with this file bundled as handler.js. */
export const handler = app.handler

/** Called by the runtime on SIGTERM: closes the AWS clients. */
export const __lambdaShutdown = (): Promise<void> => app.dispose()
