import type { Context as LambdaContext, SQSBatchResponse, SQSEvent } from "aws-lambda"
import { Effect, type Layer, ManagedRuntime } from "effect"
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
  const handler = (event: SQSEvent, context: LambdaContext | InvocationContext): Promise<SQSBatchResponse> =>
    runtime.runPromise(handleEvent(event, context).pipe(
      // An invalid event fails the invocation: it surfaces as a rejected promise with a plain Error.
      Effect.mapError((e) => Object.assign(new Error(e.reason), { name: e._tag }))
    ))
  return { handler, runtime, dispose: () => runtime.dispose() }
}
