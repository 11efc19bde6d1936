import type { Invocation } from "./invocation.ts"

/** How an invocation ends, for the context's Node.js 22 style `done`/`succeed`/`fail`. */
export interface Completion {
  readonly done: (error?: unknown, result?: unknown) => void
}

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
  readonly tenantId: string | undefined
  /** Not in the Node.js runtime: aborts at the invocation's deadline, for fetch and the AWS SDK. */
  readonly signal: AbortSignal
  callbackWaitsForEmptyEventLoop: boolean
  getRemainingTimeInMillis(): number
  done(error?: unknown, result?: unknown): void
  succeed(result?: unknown): void
  fail(error?: unknown): void
}

/** Parses a JSON header as the Node.js runtime does: a malformed one is an error of this invocation. */
const parseJsonHeader = (value: string | undefined, name: string): unknown => {
  if (value === undefined || value === "") return undefined
  try {
    return JSON.parse(value)
  } catch (e) {
    throw new Error(`Cannot parse ${name} as json: ${String(e)}`)
  }
}

/** Throws when the client context or the Cognito identity is not JSON (reported on the invocation). */
export const makeContext = (
  invocation: Invocation,
  completion: Completion,
  env: Record<string, string | undefined> = process.env
) => {
  const clientContext = parseJsonHeader(invocation.clientContext, "ClientContext")
  const identity = parseJsonHeader(invocation.cognitoIdentity, "CognitoIdentity")
  let controller: AbortController | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  const context: LambdaContext = {
    awsRequestId: invocation.requestId,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? "",
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION ?? "$LATEST",
    invokedFunctionArn: invocation.invokedFunctionArn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "",
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME ?? "",
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME ?? "",
    identity,
    clientContext,
    tenantId: invocation.tenantId,
    // Created on first use only: most handlers never touch it, and a timer per invocation is not free.
    get signal() {
      if (!controller) {
        const made = new AbortController()
        controller = made
        const abort = () => made.abort(new DOMException("the invocation reached its deadline", "TimeoutError"))
        const remaining = invocation.deadlineMs - Date.now()
        if (remaining <= 0) abort()
        else {
          timer = setTimeout(abort, remaining)
          timer.unref?.()
        }
      }
      return controller.signal
    },
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, invocation.deadlineMs - Date.now()),
    done: (error, result) => completion.done(error, result),
    succeed: (result) => completion.done(null, result),
    fail: (error) => completion.done(error === undefined || error === null ? "handled" : error)
  }
  /** Drops the deadline timer once the invocation has been answered. */
  const release = () => clearTimeout(timer)
  return { context, release }
}
