import { ScanCommand } from "@aws-sdk/client-dynamodb"
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand
} from "@aws-sdk/client-sqs"
import { unmarshall } from "@aws-sdk/util-dynamodb"
import { SQS_BATCH_MAX_ENTRIES } from "../../src/domain/limits.ts"
import { localDynamoDbClient, localSqsClient } from "./local-clients.ts"

/** Every item of a table (paginated scan). */
export const scanAll = async (endpoint: string, tableName: string): Promise<Array<Record<string, unknown>>> => {
  const client = localDynamoDbClient(endpoint)
  try {
    const items: Array<Record<string, unknown>> = []
    let start: Record<string, any> | undefined
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }))
      items.push(...(page.Items ?? []).map((i) => unmarshall(i)))
      start = page.LastEvaluatedKey
    } while (start)
    return items
  } finally {
    client.destroy()
  }
}

export interface DrainOptions {
  /** Delete what is received (default: leave it in flight for the visibility timeout). */
  readonly remove?: boolean
  /** Consecutive empty receives, each confirmed by the queue's own count, before the queue is taken as drained. */
  readonly waitEmptyPolls?: number
  /** Receives that came back empty while the queue said messages were left, before giving up (default 20). */
  readonly maxSpuriousEmpty?: number
}

export interface Drained {
  readonly messages: Array<Message>
  /** Empty receives while the queue still counted messages: retried, never taken as the end. */
  readonly spuriousEmpty: number
  /** What the queue still counted when the drain stopped (ApproximateNumberOfMessages beyond those held). */
  readonly left: number
}

/**
 * Receives (and, with `remove`, deletes) everything on a queue, with all attributes. An empty receive
 * is not the end by itself: local-aws-sqs answers a short poll from a 40 ms timer racing a 10 ms
 * interval, and on a loaded machine the timer can win, returning nothing from a queue of thousands
 * (seen: one such receive cut a 10,000-message drain at 6,110). So each empty receive is checked
 * against the queue's ApproximateNumberOfMessages; while it counts more than this drain holds in
 * flight, the receive is retried as a 1 s long poll.
 */
export const drainQueueReport = async (
  endpoint: string,
  queueUrl: string,
  options: DrainOptions = {}
): Promise<Drained> => {
  const client = localSqsClient(endpoint)
  // local-aws-sqs counts messages in flight in ApproximateNumberOfMessages, AWS does not: those this
  // drain holds are taken off, so both read as "nothing left" once it has everything.
  const left = async (held: number) => {
    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] })
    )
    return Math.max(0, Number(Attributes.ApproximateNumberOfMessages ?? 0) - held)
  }
  try {
    const messages: Array<Message> = []
    let empty = 0
    let spuriousEmpty = 0
    let retrying = false
    for (;;) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: SQS_BATCH_MAX_ENTRIES,
          MessageAttributeNames: ["All"],
          MessageSystemAttributeNames: ["All"],
          VisibilityTimeout: 300,
          WaitTimeSeconds: retrying ? 1 : 0
        })
      )
      if (Messages.length === 0) {
        const remaining = await left(options.remove ? 0 : messages.length)
        if (remaining === 0) {
          retrying = false
          if (++empty >= (options.waitEmptyPolls ?? 1)) return { messages, spuriousEmpty, left: 0 }
          continue
        }
        retrying = true
        if (++spuriousEmpty > (options.maxSpuriousEmpty ?? 20)) return { messages, spuriousEmpty, left: remaining }
        continue
      }
      empty = 0
      retrying = false
      messages.push(...Messages)
      if (options.remove) {
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! }))
          })
        )
      }
    }
  } finally {
    client.destroy()
  }
}

/** Every message on a queue (see drainQueueReport). */
export const drainQueue = async (
  endpoint: string,
  queueUrl: string,
  options: DrainOptions = {}
): Promise<Array<Message>> => (await drainQueueReport(endpoint, queueUrl, options)).messages
