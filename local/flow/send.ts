import { SendMessageBatchCommand } from "@aws-sdk/client-sqs"
import { chunksOf } from "../../src/aws/chunk.ts"
import { SQS_BATCH_MAX_ENTRIES } from "../../src/domain/limits.ts"
import { localSqsClient } from "../aws/local-clients.ts"

/** Sends bodies to a queue in batches of SQS's most (10), `concurrency` batches at a time; returns the MessageIds in order. */
export const sendBodies = async (
  endpoint: string,
  queueUrl: string,
  bodies: ReadonlyArray<string>,
  concurrency = 8
): Promise<Array<string>> => {
  const client = localSqsClient(endpoint)
  const ids = new Array<string>(bodies.length)
  // Each entry's Id is its body's index, so that each answer finds its place in `ids`.
  const batches = chunksOf(
    bodies.map((body, index) => ({ Id: String(index), MessageBody: body })),
    SQS_BATCH_MAX_ENTRIES
  )
  try {
    const sender = async () => {
      for (let entries = batches.shift(); entries !== undefined; entries = batches.shift()) {
        const { Successful = [], Failed = [] } = await client.send(
          new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })
        )
        if (Failed.length > 0) throw new Error(`SendMessageBatch failed: ${JSON.stringify(Failed)}`)
        for (const sent of Successful) ids[Number(sent.Id)] = sent.MessageId!
      }
    }
    await Promise.all(Array.from({ length: concurrency }, sender))
    return ids
  } finally {
    client.destroy()
  }
}
