import { SendMessageBatchCommand } from "@aws-sdk/client-sqs"
import { localSqsClient } from "../aws/local-clients.ts"

/** Sends bodies to a queue in batches of 10; returns the MessageIds in order. */
export const sendBodies = async (
  endpoint: string,
  queueUrl: string,
  bodies: ReadonlyArray<string>,
  concurrency = 8
): Promise<Array<string>> => {
  const client = localSqsClient(endpoint)
  const ids = new Array<string>(bodies.length)
  const chunks: Array<number> = []
  for (let i = 0; i < bodies.length; i += 10) chunks.push(i)
  try {
    const worker = async () => {
      for (let start = chunks.shift(); start !== undefined; start = chunks.shift()) {
        const slice = bodies.slice(start, start + 10)
        const { Successful = [], Failed = [] } = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: slice.map((body, j) => ({ Id: String(j), MessageBody: body }))
          })
        )
        if (Failed.length > 0) throw new Error(`SendMessageBatch failed: ${JSON.stringify(Failed)}`)
        for (const s of Successful) ids[start + Number(s.Id)] = s.MessageId!
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    return ids
  } finally {
    client.destroy()
  }
}
