import { HOSTILE_BODIES } from "../../test/fixtures/hostile-bodies.ts"

// SQS itself refuses an empty body: those never reach a function.
const POISON = HOSTILE_BODIES.map(([, body]) => body).filter((body) => body.length > 0)
import { drainQueue, scanAll } from "../aws/inspect.ts"
import { seedProducts } from "../aws/seed.ts"
import { acknowledgedRecords, type InvocationRecord } from "../event-source/event-source-mapping.ts"
import { sendBodies } from "../flow/send.ts"
import { startSession } from "../flow/session.ts"
import type { AwsProxy } from "../proxy/aws-proxy.ts"
import { faultInjector, type FaultStats, uniformFaults } from "../proxy/faults.ts"
import { proxiedEndpoints } from "../proxy/proxied-endpoints.ts"
import { account, type Accounting, type PlannedMessage } from "./accounting.ts"
import { seededRandom } from "./random.ts"

export interface ChaosOptions {
  readonly messages: number
  /** Share of the function's DynamoDB and SQS calls that fail (errors, resets, partial batches, spikes). */
  readonly faultRate: number
  /** Share of invocations whose execution environment is killed mid-batch. */
  readonly killRate: number
  /** Share of the local Runtime API's /next answers that are 500s. */
  readonly runtimeApiErrorRate: number
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

const SEEDED = 200

/** Sends a mix of adds, reads and poison messages through the whole local flow with faults on, then accounts for every one. */
export const runChaos = async (options: ChaosOptions): Promise<ChaosReport> => {
  const random = seededRandom(options.seed)
  const invocations: Array<InvocationRecord> = []
  const proxies: Array<AwsProxy> = []
  const faultStats = {
    dynamodb: { errors: 0, resets: 0, partials: 0, spikes: 0 },
    sqs: { errors: 0, resets: 0, partials: 0, spikes: 0 }
  }
  let killed = 0
  // A send that reached SQS but whose answer was dropped is resent by the function: a forced duplicate.
  const hiddenSends = new Map<string, number>()
  const noteHiddenSend = (operation: string, body: string) => {
    if (operation !== "SendMessageBatch") return
    for (const entry of JSON.parse(body).Entries ?? []) {
      const attributes = entry.MessageAttributes ?? {}
      const id = attributes.correlationId?.StringValue ?? attributes.sourceMessageId?.StringValue
      if (id) hiddenSends.set(id, (hiddenSends.get(id) ?? 0) + 1)
    }
  }
  let runtimeApiErrors = 0
  const session = await startSession({
    prefix: `chaos-${options.seed}-${Date.now()}`,
    memoryMb: options.memoryMb,
    concurrency: options.concurrency,
    batchSize: 10,
    batchingWindowSeconds: 0,
    timeoutSeconds: options.timeoutSeconds,
    onInvocation: (r) => void invocations.push(r),
    onDispatch: (env) => {
      if (random() >= options.killRate) return
      killed++
      // Somewhere in the middle of the batch: after some AWS calls, before the answer.
      setTimeout(() => env.pid !== undefined && process.kill(env.pid, "SIGKILL"), Math.floor(random() * 10))
    },
    runtimeApiIntercept: (request) => {
      if (!request.url.endsWith("/invocation/next") || random() >= options.runtimeApiErrorRate) return undefined
      runtimeApiErrors++
      return new Response("injected Runtime API failure", { status: 500 })
    },
    functionEndpoints: (stack) =>
      proxiedEndpoints(stack, (service) => {
        const faults = uniformFaults(service, options.faultRate, random)
        const plan = service === "sqs" ? { ...faults, onHiddenSuccess: noteHiddenSend } : faults
        return { intercept: faultInjector(plan, faultStats[service]).interceptor }
      }, proxies)
  })
  const { stack } = session
  try {
    // Products that reads find, written directly (no faults): the reads' expected answers.
    const seeded = new Map(
      Array.from(
        { length: SEEDED },
        (
          _,
          i
        ) => [`seed-${i}`, { pk: `seed-${i}`, name: `seeded ${i}`, price: i, createdAt: "2026-01-01T00:00:00.000Z" }]
      )
    )
    await seedProducts(stack.endpoints.dynamodb, stack.tableName, [...seeded.values()])

    const poisonCount = Math.max(1, Math.ceil(options.messages * options.poisonRate))
    const planned: Array<PlannedMessage> = []
    for (let i = 0; i < options.messages; i++) {
      if (i < poisonCount) {
        planned.push({ kind: "poison", body: POISON[i % POISON.length]! })
        continue
      }
      const roll = random()
      if (roll < 0.6) {
        const price = Math.round(random() * 10_000) / 100
        planned.push({
          kind: "add",
          body: JSON.stringify({ name: `chaos product ${i}`, price }),
          name: `chaos product ${i}`,
          price
        })
      } else if (roll < 0.9) {
        const pk = `seed-${Math.floor(random() * SEEDED)}`
        planned.push({ kind: "read-existing", body: JSON.stringify({ pk }), pk })
      } else {
        const pk = `missing-${i}`
        planned.push({ kind: "read-missing", body: JSON.stringify({ pk }), pk })
      }
    }
    // Shuffle so poison, adds and reads share batches.
    for (let i = planned.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[planned[i], planned[j]] = [planned[j]!, planned[i]!]
    }
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

    const deliveries = new Map<string, number>()
    for (const r of invocations) {
      for (const rec of r.event.Records) deliveries.set(rec.messageId, (deliveries.get(rec.messageId) ?? 0) + 1)
    }
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
      faults: faultStats,
      redeliveredMessages: [...deliveries.values()].filter((n) => n > 1).length,
      hiddenSends: [...hiddenSends.values()].reduce((a, b) => a + b, 0),
      accounting
    }
  } finally {
    await session.close()
    await Promise.all(proxies.map((p) => p.stop()))
  }
}
