import { Effect, Layer } from "effect"
import { liveLayer } from "./app/live-layer.ts"
import { makeHandler } from "./app/make-handler.ts"
import { appConfig } from "./config.ts"
import { oneLine } from "./domain/one-line.ts"
import { levelFromEnv } from "./log/lambda-logger.ts"
import { metricsConfig } from "./observability/metrics-config.ts"
import { metricsLayer } from "./observability/publish-metrics.ts"
import { tracingLayer } from "./observability/tracing.ts"

// Cold start: a missing or invalid setting throws here, naming the variable, so the runtime
// reports an init error instead of failing every invocation later.
const { config, metrics } = Effect.runSync(
  Effect.all({ config: appConfig(process.env), metrics: metricsConfig(process.env) }).pipe(
    Effect.mapError((e) => new Error(`invalid configuration: ${oneLine(e.message)}`))
  )
)

// Metrics as one EMF line per invocation; traces only when an OTLP endpoint is configured.
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "local"
const app = makeHandler(Layer.mergeAll(
  liveLayer(config, levelFromEnv(process.env.AWS_LAMBDA_LOG_LEVEL)),
  metricsLayer(metrics, functionName),
  tracingLayer(process.env, functionName)
))

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
