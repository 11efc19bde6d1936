/** One event as the Runtime API hands it out, with the headers that describe it. */
export interface Invocation {
  readonly requestId: string
  readonly deadlineMs: number
  readonly invokedFunctionArn: string
  readonly traceId: string | undefined
  readonly clientContext: unknown
  readonly cognitoIdentity: unknown
  readonly event: unknown
}

const parseJsonHeader = (value: string | null): unknown => {
  if (!value) return undefined
  try {
    return JSON.parse(value)
  } catch {
    return undefined
  }
}

export class MalformedInvocation extends Error {
  override name = "Runtime.MalformedInvocation"
}

/** Reads an invocation from a /next response; the event must be JSON, the request id present. */
export const parseInvocation = (headers: Headers, body: string): Invocation => {
  const requestId = headers.get("lambda-runtime-aws-request-id")
  if (!requestId) throw new MalformedInvocation("the Runtime API sent an event without Lambda-Runtime-Aws-Request-Id")
  const deadline = Number(headers.get("lambda-runtime-deadline-ms"))
  let event: unknown
  try {
    event = JSON.parse(body)
  } catch {
    throw Object.assign(new MalformedInvocation(`the event of ${requestId} is not JSON`), { requestId })
  }
  return {
    requestId,
    deadlineMs: Number.isFinite(deadline) && deadline > 0 ? deadline : Date.now() + 900_000,
    invokedFunctionArn: headers.get("lambda-runtime-invoked-function-arn") ?? "",
    traceId: headers.get("lambda-runtime-trace-id") ?? undefined,
    clientContext: parseJsonHeader(headers.get("lambda-runtime-client-context")),
    cognitoIdentity: parseJsonHeader(headers.get("lambda-runtime-cognito-identity")),
    event
  }
}
