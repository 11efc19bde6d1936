import type { HeaderLookup } from "./http-answer.ts"

/** One event as the Runtime API hands it out, with the headers that describe it. */
export interface Invocation {
  readonly requestId: string
  readonly deadlineMs: number
  readonly invokedFunctionArn: string
  readonly traceId: string | undefined
  readonly tenantId: string | undefined
  /** Raw header values: parsed when the context is built, so a malformed one fails this invocation only. */
  readonly clientContext: string | undefined
  readonly cognitoIdentity: string | undefined
  readonly event: unknown
}

export class MalformedInvocation extends Error {
  override name = "Runtime.MalformedInvocation"
  constructor(message: string, readonly requestId?: string) {
    super(message)
  }
}

const header = (headers: HeaderLookup, name: string) => headers.get(name) ?? undefined

/** Reads an invocation from a /next response; the event must be JSON, the request id present. */
export const parseInvocation = (headers: HeaderLookup, body: string): Invocation => {
  const requestId = headers.get("lambda-runtime-aws-request-id")
  if (!requestId) throw new MalformedInvocation("the Runtime API sent an event without Lambda-Runtime-Aws-Request-Id")
  const deadline = Number(headers.get("lambda-runtime-deadline-ms"))
  let event: unknown
  try {
    event = JSON.parse(body)
  } catch {
    throw new MalformedInvocation(`the event of ${requestId} is not JSON`, requestId)
  }
  return {
    requestId,
    deadlineMs: Number.isFinite(deadline) && deadline > 0 ? deadline : Date.now() + 900_000,
    invokedFunctionArn: header(headers, "lambda-runtime-invoked-function-arn") ?? "",
    traceId: header(headers, "lambda-runtime-trace-id"),
    tenantId: header(headers, "lambda-runtime-aws-tenant-id"),
    clientContext: header(headers, "lambda-runtime-client-context"),
    cognitoIdentity: header(headers, "lambda-runtime-cognito-identity"),
    event
  }
}
