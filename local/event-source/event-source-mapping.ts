import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient
} from "@aws-sdk/client-sqs"
import type { SQSEvent } from "aws-lambda"
import { chunksOf } from "../../src/aws/chunk.ts"
import { SQS_BATCH_MAX_ENTRIES } from "../../src/domain/limits.ts"
import { localSqsClient } from "../aws/local-clients.ts"
import type { ExecutionEnvironment, InvokeResult } from "../runtime-api/environment.ts"
import { settleBatch, type Settlement } from "./batch-response.ts"
import type { EnvironmentPool } from "./environment-pool.ts"
import { lambdaEvent } from "./lambda-sqs-event.ts"

export interface InvocationRecord {
  readonly event: SQSEvent
  readonly result: InvokeResult
  readonly settlement: Settlement
  readonly coldStart: boolean
  /** The environment's number in the pool. */
  readonly environmentId: number
  /** performance.now() as the batch was handed to the environment and as its answer came back. */
  readonly startedAt: number
  readonly endedAt: number
}

/** Records the mapping has deleted from the queue so far (the progress of a drain). */
export const acknowledgedRecords = (invocations: ReadonlyArray<InvocationRecord>): number =>
  invocations.reduce((n, r) => n + (r.settlement.kind === "partial" ? r.settlement.succeeded.length : 0), 0)

export interface MappingOptions {
  readonly sqsEndpoint: string
  readonly queueUrl: string
  readonly queueArn: string
  readonly batchSize: number
  readonly batchingWindowMs: number
  readonly pool: EnvironmentPool
  readonly onInvocation?: (record: InvocationRecord) => void
  /** Called as a batch is handed to an environment (fault injection kills environments here). */
  readonly onDispatch?: (env: ExecutionEnvironment) => void
}

/**
 * What Lambda's SQS event source mapping does, locally: long-poll the queue, gather up to the batch
 * size within the batching window, invoke an execution environment (scaling out up to the pool's
 * maximum), then delete the records that succeeded. Failed records, and whole batches on a function
 * error or timeout, are left to reappear after the visibility timeout, so the queue's redrive policy
 * moves repeat failures to the dead-letter queue.
 */
export class EventSourceMapping {
  private readonly sqs: SQSClient
  private readonly inflight = new Set<Promise<void>>()
  private running: Promise<void> | undefined
  private stopped = false
  private readonly stopping = new AbortController()

  constructor(private readonly options: MappingOptions) {
    this.sqs = localSqsClient(options.sqsEndpoint)
  }

  start(): void {
    this.running ??= this.loop()
  }

  /**
   * Resolves once the queue holds no message, visible or in flight, and no invocation is running.
   * Records left for retry keep it waiting until they succeed or are redriven to the DLQ.
   */
  async drain(): Promise<void> {
    this.start()
    for (;;) {
      const { Attributes = {} } = await this.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.options.queueUrl,
          AttributeNames: [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed"
          ]
        })
      )
      const waiting = Number(Attributes.ApproximateNumberOfMessages ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
      if (waiting === 0 && this.inflight.size === 0) return
      await Bun.sleep(100)
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.stopping.abort()
    await this.running
    await Promise.all(this.inflight)
    this.sqs.destroy()
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (!this.options.pool.hasCapacity) {
        await Promise.race(this.inflight)
        continue
      }
      const batch = await this.gather()
      if (batch.length === 0) continue
      const dispatch = this.dispatch(batch)
      this.inflight.add(dispatch)
      void dispatch.finally(() => this.inflight.delete(dispatch))
    }
  }

  private async gather(): Promise<Array<Message>> {
    const { batchSize, batchingWindowMs } = this.options
    const deadline = Date.now() + batchingWindowMs
    // Take what is there at once, and long-poll only an empty queue: local-aws-sqs holds every long
    // poll for its full wait, which added a second to each batch. Short long-polls keep stop() prompt
    // and stay well under the visibility timeout.
    let messages = await this.receive(batchSize, 0)
    if (messages.length === 0 && !this.stopped) messages = await this.receive(batchSize, 1)
    if (messages.length === 0) return []
    while (messages.length < batchSize && Date.now() < deadline && !this.stopped) {
      const remaining = deadline - Date.now()
      messages.push(
        ...await this.receive(batchSize - messages.length, Math.min(1, Math.max(0, Math.ceil(remaining / 1000))))
      )
    }
    return messages
  }

  private async receive(max: number, waitSeconds: number): Promise<Array<Message>> {
    try {
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: Math.min(SQS_BATCH_MAX_ENTRIES, max),
          WaitTimeSeconds: waitSeconds,
          // Both spellings: local-aws-sqs answers the older AttributeNames, AWS the newer one.
          MessageSystemAttributeNames: ["All"],
          AttributeNames: ["All"] as never,
          MessageAttributeNames: ["All"]
        }),
        { abortSignal: this.stopping.signal }
      )
      return Messages
    } catch (e) {
      // stop() aborts the poll in flight rather than waiting for it to end.
      if (this.stopped) return []
      throw e
    }
  }

  private async dispatch(batch: Array<Message>): Promise<void> {
    const env = await this.options.pool.acquire()
    const event = lambdaEvent(batch, this.options.queueArn)
    const coldBefore = env.coldStarts
    let result: InvokeResult
    const startedAt = performance.now()
    let endedAt = startedAt
    try {
      const invoked = env.invoke(event)
      this.options.onDispatch?.(env)
      result = await invoked
      endedAt = performance.now()
    } finally {
      this.options.pool.release(env)
    }
    const settlement = settleBatch(batch.map((m) => m.MessageId!), {
      functionError: result.status !== "success",
      ...(result.status === "success" ? { payload: result.payload } : {})
    })
    if (settlement.kind === "partial" && settlement.succeeded.length > 0) {
      const succeeded = new Set(settlement.succeeded)
      const handles = batch.filter((m) => succeeded.has(m.MessageId!)).map((m) => m.ReceiptHandle!)
      for (const some of chunksOf(handles, SQS_BATCH_MAX_ENTRIES)) {
        await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.options.queueUrl,
            Entries: some.map((handle, i) => ({ Id: String(i), ReceiptHandle: handle }))
          })
        )
      }
    }
    const environmentId = this.options.pool.idOf(env) ?? 0
    this.options.onInvocation?.({
      event,
      result,
      settlement,
      coldStart: env.coldStarts > coldBefore,
      environmentId,
      startedAt,
      endedAt
    })
  }
}
