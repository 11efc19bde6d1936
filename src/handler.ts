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
// Build the clients during init (which Lambda runs with a full CPU), not on the first invocation.
app.runtime.runSync(Effect.void)

/** The Lambda entry point: `handler.handler` with this file bundled as handler.js. */
export const handler = app.handler

/** Called by the runtime on SIGTERM: closes the AWS clients. */
export const shutdown = (): Promise<void> => app.dispose()
