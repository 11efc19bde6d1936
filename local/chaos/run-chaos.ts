import { drainQueue, scanAll } from "../aws/inspect.ts"
import { seedProducts } from "../aws/seed.ts"
import { acknowledgedRecords, type InvocationRecord } from "../event-source/event-source-mapping.ts"
import { sendBodies } from "../flow/send.ts"
import { startSession } from "../flow/session.ts"
import type { FaultStats } from "../proxy/faults.ts"
import { STACK_DEFAULTS } from "../stack/defaults.ts"
import { account, type Accounting } from "./accounting.ts"
import { faultInjection, type InjectionRates } from "./injection.ts"
import { planMessages, seededProducts } from "./plan.ts"
import { seededRandom } from "./random.ts"

export interface ChaosOptions extends InjectionRates {
  readonly messages: number
  readonly poisonRate: number
  readonly concurrency: number
  readonly memoryMb: number
  readonly timeoutSeconds: number
  readonly seed: number
  readonly onProgress?: (done: number, total: number, invocations: number) => void
}

export interface ChaosReport {
  readonly options: Omit<ChaosOptions, "onProgress">
  readonly seconds: number
  readonly invocations: number
  readonly killedInvocations: number
  readonly failedInvocations: number
  readonly runtimeApiErrors: number
  readonly faults: { readonly dynamodb: FaultStats; readonly sqs: FaultStats }
  readonly redeliveredMessages: number
  /** Sends that reached SQS while the function saw the connection drop (so it sent again). */
  readonly hiddenSends: number
  readonly accounting: Accounting
}

/** How many times the event source mapping handed each message (by id) to the function. */
const deliveriesOf = (invocations: ReadonlyArray<InvocationRecord>) => {
  const deliveries = new Map<string, number>()
  for (const invocation of invocations) {
    for (const record of invocation.event.Records) {
      deliveries.set(record.messageId, (deliveries.get(record.messageId) ?? 0) + 1)
    }
  }
  return deliveries
}

/**
 * Sends a mix of adds, reads and poison messages through the whole local flow with faults on, then
 * accounts for every one.
 */
export const runChaos = async (options: ChaosOptions): Promise<ChaosReport> => {
  const random = seededRandom(options.seed)
  const invocations: Array<InvocationRecord> = []
  const injection = faultInjection(options, random)
  const session = await startSession({
    prefix: `chaos-${options.seed}-${Date.now()}`,
    memoryMb: options.memoryMb,
    concurrency: options.concurrency,
    batchSize: STACK_DEFAULTS.batchSize,
    batchingWindowSeconds: STACK_DEFAULTS.batchingWindowSeconds,
    timeoutSeconds: options.timeoutSeconds,
    onInvocation: (r) => void invocations.push(r),
    ...injection.hooks
  })
  const { stack } = session
  try {
    // Products that reads find, written directly (no faults): the reads' expected answers.
    const seeded = seededProducts()
    await seedProducts(stack.endpoints.dynamodb, stack.tableName, [...seeded.values()])
    const planned = planMessages(options.messages, options.poisonRate, random)
    const ids = await sendBodies(stack.endpoints.sqs, stack.inputQueueUrl, planned.map((p) => p.body))
    const plan = new Map(ids.map((id, i) => [id, planned[i]!]))

    const ticker = setInterval(
      () => options.onProgress?.(acknowledgedRecords(invocations), options.messages, invocations.length),
      250
    )
    const started = performance.now()
    await session.mapping.drain()
    const seconds = (performance.now() - started) / 1000
    clearInterval(ticker)

    const deliveries = deliveriesOf(invocations)
    const { killed, runtimeApiErrors, faults, hiddenSends } = injection.injected()
    const accounting = account(plan, {
      products: await scanAll(stack.endpoints.dynamodb, stack.tableName),
      output: await drainQueue(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true }),
      deadLetters: await drainQueue(stack.endpoints.sqs, stack.deadLetterQueueUrl, { remove: true }),
      deliveries,
      hiddenSends,
      seeded
    })
    const { onProgress: _, ...reported } = options
    return {
      options: reported,
      seconds,
      invocations: invocations.length,
      killedInvocations: killed,
      failedInvocations: invocations.filter((r) => r.result.status !== "success").length,
      runtimeApiErrors,
      faults,
      redeliveredMessages: [...deliveries.values()].filter((n) => n > 1).length,
      hiddenSends: [...hiddenSends.values()].reduce((a, b) => a + b, 0),
      accounting
    }
  } finally {
    await session.close()
    await injection.stop()
  }
}
