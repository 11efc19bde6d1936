import { ScanCommand } from "@aws-sdk/client-dynamodb"
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand } from "@aws-sdk/client-sqs"
import { unmarshall } from "@aws-sdk/util-dynamodb"
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

/** Receives (and, with `remove`, deletes) everything visible on a queue, with all attributes. */
export const drainQueue = async (
  endpoint: string,
  queueUrl: string,
  options: { remove?: boolean; waitEmptyPolls?: number } = {}
): Promise<Array<Message>> => {
  const client = localSqsClient(endpoint)
  try {
    const out: Array<Message> = []
    let empty = 0
    while (empty < (options.waitEmptyPolls ?? 1)) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ["All"],
          MessageSystemAttributeNames: ["All"],
          VisibilityTimeout: 300,
          WaitTimeSeconds: 0
        })
      )
      if (Messages.length === 0) {
        empty++
        continue
      }
      out.push(...Messages)
      if (options.remove) {
        await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! }))
          })
        )
      }
    }
    return out
  } finally {
    client.destroy()
  }
}
