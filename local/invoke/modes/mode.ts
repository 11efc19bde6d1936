import { drainQueue, scanAll } from "../../aws/inspect.ts"
import type { LocalStack } from "../../aws/local-stack.ts"
import type { InvocationRecord } from "../../event-source/event-source-mapping.ts"
import type { Session } from "../../flow/session.ts"

/** What each mode of `bun run invoke` runs on: the started session and where its output goes. */
export interface ModeContext {
  readonly session: Session
  /** Every invocation so far, as the event source mapping recorded it (filled as they happen). */
  readonly invocations: ReadonlyArray<InvocationRecord>
  /** The run's settings, repeated in the JSON output. */
  readonly settings: Record<string, unknown>
  readonly json: boolean
  /** Prints lines, unless the output is JSON. */
  readonly say: (...lines: Array<string>) => void
}

/** What the flow left: the products stored and the messages in the output and dead-letter queues (taken out). */
export const stackContents = async (stack: LocalStack) => ({
  products: await scanAll(stack.endpoints.dynamodb, stack.tableName),
  output: await drainQueue(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true }),
  deadLetters: await drainQueue(stack.endpoints.sqs, stack.deadLetterQueueUrl, { remove: true })
})
