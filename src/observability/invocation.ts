import { Effect } from "effect"
import { withInvocationMetrics } from "./metrics.ts"
import { publishMetrics, recordInvocation, type InvocationSummary } from "./publish-metrics.ts"
import { traceInvocation } from "./tracing.ts"

// Lambda's invoke store (Node.js runtimes with concurrent invocations): the trace header per invocation.
type WithInvokeStore = { readonly awslambda?: { readonly InvokeStore?: { readonly getXRayTraceId?: () => string | undefined } } }

/**
 * This invocation's X-Ray header, read when it starts: from Lambda's invoke store where a runtime
 * runs invocations concurrently, else from `_X_AMZN_TRACE_ID`, which a one-at-a-time runtime sets
 * before each invocation. Never cached: every invocation has its own.
 */
export const invocationTraceHeader = (): string | undefined =>
  (globalThis as WithInvokeStore).awslambda?.InvokeStore?.getXRayTraceId?.() ?? process.env._X_AMZN_TRACE_ID

/** What the entry point knows about an invocation before it starts. */
export interface ObservedInvocation {
  readonly requestId: string
  readonly traceHeader: string | undefined
  readonly coldStart: boolean
  readonly remainingMs: () => number
}

/**
 * Runs one invocation with its own metric registry and, when traces are exported, as a span under
 * Lambda's; `summarize` turns its result into the invocation's metrics, written as one EMF line
 * before it returns.
 */
export const observeInvocation = <A, E, R>(
  invocation: ObservedInvocation,
  effect: Effect.Effect<A, E, R>,
  summarize: (result: A) => Omit<InvocationSummary, "coldStart">
): Effect.Effect<A, E, R> =>
  traceInvocation(
    withInvocationMetrics(Effect.tap(effect, (result) =>
      Effect.andThen(recordInvocation({ ...summarize(result), coldStart: invocation.coldStart }), publishMetrics(invocation.requestId))
    )),
    invocation
  )
