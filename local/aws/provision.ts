import { CreateTableCommand, DescribeTableCommand, ResourceInUseException } from "@aws-sdk/client-dynamodb"
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs"
import { PARTITION_KEY } from "../../src/aws/product-table.ts"
import { resourceNames, STACK_DEFAULTS, visibilityTimeoutSeconds } from "../stack/defaults.ts"
import { localDynamoDbClient, localSqsClient } from "./local-clients.ts"

export interface StackSettings {
  readonly prefix: string
  readonly functionTimeoutSeconds: number
  readonly batchingWindowSeconds: number
  readonly maxReceiveCount: number
  /** Local only: a shorter input-queue visibility timeout than AWS's rule (6x the function timeout), for fast tests. */
  readonly visibilityTimeoutSeconds?: number
}

export interface ProvisionedStack {
  readonly tableName: string
  readonly inputQueueUrl: string
  readonly inputQueueArn: string
  readonly outputQueueUrl: string
  readonly deadLetterQueueUrl: string
  readonly deadLetterQueueArn: string
  readonly visibilityTimeoutSeconds: number
}

const queueArn = async (sqs: SQSClient, url: string) => {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }))
  if (!Attributes?.QueueArn) throw new Error(`queue ${url} has no ARN`)
  return Attributes.QueueArn
}

/** Creates the table and the three queues with the Terraform defaults' names and settings (idempotent). */
export const provisionStack = async (
  endpoints: { readonly dynamodb: string; readonly sqs: string },
  settings: Partial<StackSettings> = {}
): Promise<ProvisionedStack> => {
  const resolved: StackSettings = {
    prefix: settings.prefix ?? STACK_DEFAULTS.prefix,
    functionTimeoutSeconds: settings.functionTimeoutSeconds ?? STACK_DEFAULTS.functionTimeoutSeconds,
    batchingWindowSeconds: settings.batchingWindowSeconds ?? STACK_DEFAULTS.batchingWindowSeconds,
    maxReceiveCount: settings.maxReceiveCount ?? STACK_DEFAULTS.maxReceiveCount
  }
  const names = resourceNames(resolved.prefix)
  const dynamo = localDynamoDbClient(endpoints.dynamodb)
  const sqs = localSqsClient(endpoints.sqs)
  try {
    try {
      await dynamo.send(
        new CreateTableCommand({
          TableName: names.table,
          AttributeDefinitions: [{ AttributeName: PARTITION_KEY, AttributeType: "S" }],
          KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST"
        })
      )
    } catch (e) {
      if (!(e instanceof ResourceInUseException)) throw e
    }
    for (let i = 0; i < 100; i++) {
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: names.table }))
      if (Table?.TableStatus === "ACTIVE") break
      await Bun.sleep(50)
    }
    const dlq = await sqs.send(
      new CreateQueueCommand({
        QueueName: names.deadLetterQueue,
        Attributes: { MessageRetentionPeriod: String(STACK_DEFAULTS.deadLetterRetentionSeconds) }
      })
    )
    const deadLetterQueueUrl = dlq.QueueUrl!
    const deadLetterQueueArn = await queueArn(sqs, deadLetterQueueUrl)
    const visibility = settings.visibilityTimeoutSeconds ??
      visibilityTimeoutSeconds(resolved.functionTimeoutSeconds, resolved.batchingWindowSeconds)
    const input = await sqs.send(
      new CreateQueueCommand({
        QueueName: names.inputQueue,
        Attributes: {
          VisibilityTimeout: String(visibility),
          MessageRetentionPeriod: String(STACK_DEFAULTS.messageRetentionSeconds),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: deadLetterQueueArn,
            maxReceiveCount: resolved.maxReceiveCount
          })
        }
      })
    )
    const output = await sqs.send(new CreateQueueCommand({ QueueName: names.outputQueue }))
    return {
      tableName: names.table,
      inputQueueUrl: input.QueueUrl!,
      inputQueueArn: await queueArn(sqs, input.QueueUrl!),
      outputQueueUrl: output.QueueUrl!,
      deadLetterQueueUrl,
      deadLetterQueueArn,
      visibilityTimeoutSeconds: visibility
    }
  } finally {
    dynamo.destroy()
    sqs.destroy()
  }
}
