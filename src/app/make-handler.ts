import type { Context as LambdaContext, SQSBatchResponse, SQSEvent } from "aws-lambda"
import { Effect, type Layer, ManagedRuntime } from "effect"
import { invocationTraceHeader } from "../observability/invocation.ts"
import { traceInvocation } from "../observability/tracing.ts"
import type { DeadLetterQueue, OutputQueue } from "../services/message-queue.ts"
import type { ProductStore } from "../services/product-store.ts"
import { handleEvent, type InvocationContext } from "./handle-event.ts"

export type AppServices = ProductStore | OutputQueue | DeadLetterQueue

/**
 * Builds the Lambda handler over a layer. The layer is built once (clients created at cold start)
 * and reused by every invocation while the environment stays warm.
 */
export const makeHandler = <E>(layer: Layer.Layer<AppServices, E>) => {
  const runtime = ManagedRuntime.make(layer)
  let coldStart = true
  const handler = (event: SQSEvent, context: LambdaContext | InvocationContext): Promise<SQSBatchResponse> => {
    // Read as the invocation starts: the trace header is this invocation's, the cold start the environment's first.
    const traceHeader = invocationTraceHeader()
    const observed = { coldStart }
    coldStart = false
    const traced = { traceHeader, remainingMs: () => context.getRemainingTimeInMillis() }
    return runtime.runPromise(
      traceInvocation(handleEvent(event, context, observed), traced).pipe(
        // An invalid event fails the invocation: it surfaces as a rejected promise with a plain Error.
        Effect.mapError((e) => Object.assign(new Error(e.reason), { name: e._tag }))
      )
    )
  }
  return { handler, runtime, dispose: () => runtime.dispose() }
}
