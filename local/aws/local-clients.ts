import { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { SQSClient } from "@aws-sdk/client-sqs"

/**
 * Region and credentials for local endpoints: the caller's own when set, harmless placeholders
 * otherwise. One source for the tools' clients and for the environment functions are given, so
 * both always agree on the region.
 */
export const localIdentity = () => ({
  region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
  accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "local",
  secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "local",
  sessionToken: process.env.AWS_SESSION_TOKEN || undefined
})

/** The same identity as environment variables, as Lambda hands them to a function. */
export const localIdentityEnv = (): Record<string, string> => {
  const id = localIdentity()
  return {
    AWS_REGION: id.region,
    AWS_DEFAULT_REGION: id.region,
    AWS_ACCESS_KEY_ID: id.accessKeyId,
    AWS_SECRET_ACCESS_KEY: id.secretAccessKey,
    ...(id.sessionToken ? { AWS_SESSION_TOKEN: id.sessionToken } : {})
  }
}

export const localClientConfig = (endpoint: string) => {
  const { region, sessionToken, ...keys } = localIdentity()
  return { endpoint, region, credentials: { ...keys, ...(sessionToken ? { sessionToken } : {}) } }
}

export const localDynamoDbClient = (endpoint: string) => new DynamoDBClient(localClientConfig(endpoint))

// Always the given endpoint, never the host in a queue URL (which may be behind a proxy or elsewhere).
export const localSqsClient = (endpoint: string) =>
  new SQSClient({ ...localClientConfig(endpoint), useQueueUrlAsEndpoint: false })
