import { SendMessageBatchCommand } from "@aws-sdk/client-sqs"

/** A one-entry SendMessageBatch as the function sends it (a found product, its outcome attribute); `i` varies the body. */
export const sampleSendMessageBatch = (queueUrl: string, i: number) =>
  new SendMessageBatchCommand({
    QueueUrl: queueUrl,
    Entries: [{
      Id: "0",
      MessageBody: `{"pk":"p${i}"}`,
      MessageAttributes: { outcome: { DataType: "String", StringValue: "found" } }
    }]
  })
