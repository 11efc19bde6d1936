import type { Invocation } from "./invocation.ts"

/** The context object of the Node.js managed runtime, built for one invocation. */
export interface LambdaContext {
  readonly awsRequestId: string
  readonly functionName: string
  readonly functionVersion: string
  readonly invokedFunctionArn: string
  readonly memoryLimitInMB: string
  readonly logGroupName: string
  readonly logStreamName: string
  readonly identity: unknown
  readonly clientContext: unknown
  callbackWaitsForEmptyEventLoop: boolean
  getRemainingTimeInMillis(): number
}

export const makeContext = (invocation: Invocation, env: Record<string, string | undefined> = process.env): LambdaContext => ({
  awsRequestId: invocation.requestId,
  functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? "",
  functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION ?? "$LATEST",
  invokedFunctionArn: invocation.invokedFunctionArn,
  memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "",
  logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME ?? "",
  logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME ?? "",
  identity: invocation.cognitoIdentity,
  clientContext: invocation.clientContext,
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(0, invocation.deadlineMs - Date.now())
})
