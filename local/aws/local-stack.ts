import { type AppConfigShape, DEFAULT_AWS_HTTP_CLIENT, DEFAULT_MAX_CONCURRENCY, ENV } from "../../src/config.ts"
import { startDynamoDb, startSqs } from "./emulators.ts"
import { localIdentityEnv } from "./local-clients.ts"
import { type ProvisionedStack, provisionStack, type StackSettings } from "./provision.ts"

export interface LocalStack extends ProvisionedStack {
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string }
  readonly embedded: { readonly dynamodb: boolean; readonly sqs: boolean }
  /** The environment a function needs to run against this stack, as Lambda would set it. */
  readonly functionEnv: Record<string, string>
  readonly close: () => Promise<void>
}

/**
 * The emulators (or the endpoints AWS_ENDPOINT_URL_DYNAMODB / _SQS name) with the table and queues
 * provisioned. A unique prefix keeps parallel or repeated runs apart on a shared endpoint.
 */
export const startLocalStack = async (settings: Partial<StackSettings> = {}): Promise<LocalStack> => {
  const [dynamodb, sqs] = await Promise.all([startDynamoDb(), startSqs()])
  try {
    const endpoints = { dynamodb: dynamodb.url, sqs: sqs.url }
    const stack = await provisionStack(endpoints, settings)
    return {
      ...stack,
      endpoints,
      embedded: { dynamodb: dynamodb.embedded, sqs: sqs.embedded },
      functionEnv: {
        [ENV.tableName]: stack.tableName,
        [ENV.outputQueueUrl]: stack.outputQueueUrl,
        [ENV.deadLetterQueueUrl]: stack.deadLetterQueueUrl,
        AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
        AWS_ENDPOINT_URL_SQS: endpoints.sqs,
        ...localIdentityEnv()
      },
      close: async () => {
        await Promise.all([dynamodb.close(), sqs.close()])
      }
    }
  } catch (e) {
    await Promise.all([dynamodb.close(), sqs.close()])
    throw e
  }
}

/** The function's settings on a provisioned stack, as appConfig reads them from functionEnv at a cold start. */
export const appConfigOf = (
  stack: ProvisionedStack,
  maxConcurrency: number = DEFAULT_MAX_CONCURRENCY
): AppConfigShape => ({
  tableName: stack.tableName,
  outputQueueUrl: stack.outputQueueUrl,
  deadLetterQueueUrl: stack.deadLetterQueueUrl,
  maxConcurrency,
  awsHttpClient: DEFAULT_AWS_HTTP_CLIENT
})
