import { afterEach } from "bun:test"
import { Layer } from "effect"
import { makeHandler } from "../../src/app/make-handler.ts"
import { RetryPolicy } from "../../src/aws/batch-call.ts"
import type { AwsError } from "../../src/domain/errors.ts"
import type { Product } from "../../src/domain/product.ts"
import { LambdaLoggerLayer } from "../../src/log/lambda-logger.ts"
import type { OutgoingMessage } from "../../src/services/message-queue.ts"
import { memoryProductStore, memoryQueues } from "./memory-services.ts"

export const FAST_RETRIES = Layer.succeed(RetryPolicy, {
  maxAttempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 2,
  attemptTimeoutMs: 1_000
})

/** The real handler over in-memory services, with everything it did exposed for assertions. */
export const memoryApp = (options: {
  readonly productFault?: (operation: "put" | "get", pk: string) => AwsError | undefined
  readonly outputFault?: (message: OutgoingMessage) => AwsError | undefined
  readonly deadLetterFault?: (message: OutgoingMessage) => AwsError | undefined
  readonly extra?: Layer.Layer<never>
} = {}) => {
  const items = new Map<string, Product>()
  const output: Array<OutgoingMessage> = []
  const deadLetter: Array<OutgoingMessage> = []
  const logs: Array<Record<string, unknown>> = []
  const layer = Layer.mergeAll(
    memoryProductStore({ items, ...(options.productFault ? { fault: options.productFault } : {}) }),
    memoryQueues({
      output,
      deadLetter,
      ...(options.outputFault ? { outputFault: options.outputFault } : {}),
      ...(options.deadLetterFault ? { deadLetterFault: options.deadLetterFault } : {})
    }),
    LambdaLoggerLayer("Info", (line) => void logs.push(JSON.parse(line))),
    FAST_RETRIES,
    options.extra ?? Layer.empty
  )
  return { ...makeHandler(layer), items, output, deadLetter, logs }
}

export type MemoryApp = ReturnType<typeof memoryApp>

/**
 * memoryApp for the tests of one file: every app it makes is disposed after the test that made it.
 * Call it once at the top of the file.
 */
export const memoryAppPerTest = (): typeof memoryApp => {
  const started: Array<MemoryApp> = []
  afterEach(async () => {
    await Promise.all(started.splice(0).map((app) => app.dispose()))
  })
  return (options) => {
    const app = memoryApp(options)
    started.push(app)
    return app
  }
}
