import { Effect, Layer, Result } from "effect"
import type { AwsError } from "../../src/domain/errors.ts"
import type { Product } from "../../src/domain/product.ts"
import {
  DeadLetterQueue,
  type MessageQueueShape,
  type OutgoingMessage,
  OutputQueue
} from "../../src/services/message-queue.ts"
import { ProductStore } from "../../src/services/product-store.ts"

/** An in-memory product table; `fault` lets a test fail chosen items. */
export const memoryProductStore = (options: {
  readonly items?: Map<string, Product>
  readonly fault?: (operation: "put" | "get", pk: string) => AwsError | undefined
} = {}) =>
  Layer.sync(ProductStore, () => {
    const items = options.items ?? new Map<string, Product>()
    const fault = options.fault ?? (() => undefined)
    return ProductStore.of({
      putAll: (inputs, productOf, settled) =>
        Effect.suspend(() =>
          settled(inputs.map((input) => {
            const p = productOf(input)
            const error = fault("put", p.pk)
            if (error) return [input, Result.fail(error)] as const
            items.set(p.pk, p)
            return [input, Result.void] as const
          }))
        ),
      getAll: (inputs, pkOf, settled) =>
        Effect.suspend(() =>
          settled(inputs.map((input) => {
            const error = fault("get", pkOf(input))
            return [input, error ? Result.fail(error) : Result.succeed(items.get(pkOf(input)))] as const
          }))
        )
    })
  })

/** An in-memory queue: `sent` collects what was sent; `fault` fails chosen messages. */
const memoryQueue = (
  sent: Array<OutgoingMessage>,
  fault: (message: OutgoingMessage) => AwsError | undefined = () => undefined
): MessageQueueShape => ({
  sendAll: (inputs, messageOf, settled) =>
    Effect.suspend(() =>
      settled(inputs.map((input) => {
        const m = messageOf(input)
        const error = fault(m)
        if (error) return [input, Result.fail(error)] as const
        sent.push(m)
        return [input, Result.void] as const
      }))
    )
})

export const memoryQueues = (options: {
  readonly output: Array<OutgoingMessage>
  readonly deadLetter: Array<OutgoingMessage>
  readonly outputFault?: (message: OutgoingMessage) => AwsError | undefined
  readonly deadLetterFault?: (message: OutgoingMessage) => AwsError | undefined
}) =>
  Layer.mergeAll(
    Layer.succeed(OutputQueue, memoryQueue(options.output, options.outputFault)),
    Layer.succeed(DeadLetterQueue, memoryQueue(options.deadLetter, options.deadLetterFault))
  )
