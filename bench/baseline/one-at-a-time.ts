/**
 * The baseline users compare with: the original service's first version, one record at a time,
 * one AWS call after another (PutItem, or GetItem then SendMessage), same message contract.
 * Only the benchmark runs it; it is not shipped.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs"
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb"
import type { SQSBatchResponse, SQSEvent } from "aws-lambda"
import { Result } from "effect"
import { sqsEndpointOptions, transport } from "../../src/aws/clients.ts"
import { messageAttributes } from "../../src/aws/sqs-attributes.ts"
import { decodeMessage } from "../../src/domain/message.ts"
import type { Product } from "../../src/domain/product.ts"
import { deadLetterMessage, lookupResult, outputMessage, productFromAdd } from "../../src/products/messages.ts"

// SDK defaults, as the original service had them; BASELINE_TRANSPORT=product gives it the product's transport.
const chosen = process.env.BASELINE_TRANSPORT === "product" ? transport() : {}
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(chosen))
const sqs = new SQSClient({ ...chosen, ...sqsEndpointOptions() })
const table = process.env.TABLE_NAME!

const send = (queueUrl: string, m: { body: string; attributes: Readonly<Record<string, string>> }) =>
  sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: m.body,
      MessageAttributes: messageAttributes(m.attributes)
    })
  )

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failures: Array<{ itemIdentifier: string }> = []
  for (const r of event.Records) {
    const record = {
      messageId: r.messageId,
      body: r.body,
      ...(r.attributes.SentTimestamp ? { sentTimestamp: Number(r.attributes.SentTimestamp) } : {})
    }
    try {
      const command = decodeMessage(r.body)
      if (Result.isFailure(command)) {
        await send(
          process.env.DEAD_LETTER_QUEUE_URL!,
          deadLetterMessage(record, "InvalidMessage", command.failure.reason)
        )
      } else if (command.success._tag === "AddProduct") {
        await dynamo.send(
          new PutCommand({
            TableName: table,
            Item: productFromAdd(record, command.success.name, command.success.price)
          })
        )
      } else {
        const { Item } = await dynamo.send(
          new GetCommand({ TableName: table, Key: { pk: command.success.pk }, ConsistentRead: true })
        )
        await send(
          process.env.OUTPUT_QUEUE_URL!,
          outputMessage(record, lookupResult(command.success.pk, Item as Product | undefined))
        )
      }
    } catch {
      failures.push({ itemIdentifier: r.messageId })
    }
  }
  return { batchItemFailures: failures }
}
