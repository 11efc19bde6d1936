/**
 * A local stand-in for Lambda's Runtime API, for one execution environment: it hands out one
 * invocation at a time on GET /next (long poll) and collects the answer the runtime posts.
 */
export interface PendingInvocation {
  readonly requestId: string
  readonly event: string
  readonly deadlineMs: number
  readonly headers: Record<string, string>
}

export type RuntimeAnswer =
  | { readonly kind: "response"; readonly body: string }
  | { readonly kind: "error"; readonly body: string; readonly errorTypeHeader: string | null }

export interface RuntimeApiServer {
  /** host:port, as AWS_LAMBDA_RUNTIME_API expects it. */
  readonly address: string
  /** Queues an invocation; resolves with the runtime's answer. `delivered` fires when /next hands it out. */
  readonly invoke: (invocation: PendingInvocation, delivered: () => void) => Promise<RuntimeAnswer>
  /** Resolves when the runtime polls /next for the first time after `armFirstPoll`. */
  readonly nextPoll: () => Promise<void>
  readonly initError: () => { body: string; errorTypeHeader: string | null } | undefined
  /** Drops the invocation in flight, if any, and the polls of a runtime that was killed. */
  readonly abandon: (requestId?: string) => void
  readonly stop: () => Promise<void>
}

const MAX_RESPONSE_BYTES = 6 * 1024 * 1024
const PREFIX = "/2018-06-01/runtime"

export interface ServerOptions {
  /** Lets a test answer a request itself (Runtime API outages); undefined lets it through. */
  readonly intercept?: (request: Request) => Response | undefined
}

export const startRuntimeApiServer = (options: ServerOptions = {}): RuntimeApiServer => {
  const queue: Array<{ invocation: PendingInvocation; delivered: () => void }> = []
  const waiting: Array<(r: Response) => void> = []
  const answers = new Map<string, (answer: RuntimeAnswer) => void>()
  const pollWaiters: Array<() => void> = []
  let initError: { body: string; errorTypeHeader: string | null } | undefined

  const deliver = (item: { invocation: PendingInvocation; delivered: () => void }): Response => {
    item.delivered()
    const { invocation } = item
    return new Response(invocation.event, {
      headers: {
        "content-type": "application/json",
        "lambda-runtime-aws-request-id": invocation.requestId,
        "lambda-runtime-deadline-ms": String(invocation.deadlineMs),
        ...invocation.headers
      }
    })
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0, // /next is a long poll: never cut it
    async fetch(request) {
      const intercepted = options.intercept?.(request)
      if (intercepted) return intercepted
      const path = new URL(request.url).pathname
      if (request.method === "GET" && path === `${PREFIX}/invocation/next`) {
        pollWaiters.splice(0).forEach((w) => w())
        const item = queue.shift()
        if (item) return deliver(item)
        return new Promise<Response>((resolve) => waiting.push(resolve))
      }
      const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path)
      if (request.method === "POST" && match) {
        const requestId = decodeURIComponent(match[1]!)
        const answer = answers.get(requestId)
        if (!answer) return Response.json({ errorMessage: `unknown request id ${requestId}`, errorType: "InvalidRequestID" }, { status: 400 })
        const body = await request.text()
        if (match[2] === "response" && Buffer.byteLength(body) > MAX_RESPONSE_BYTES) {
          answers.delete(requestId)
          answer({ kind: "error", body: JSON.stringify({ errorType: "Function.ResponseSizeTooLarge", errorMessage: "Response payload size exceeded maximum allowed payload size (6291456 bytes).", stackTrace: [] }), errorTypeHeader: "Function.ResponseSizeTooLarge" })
          return Response.json({ errorMessage: "payload too large", errorType: "RequestEntityTooLarge" }, { status: 413 })
        }
        answers.delete(requestId)
        answer(match[2] === "response" ? { kind: "response", body } : { kind: "error", body, errorTypeHeader: request.headers.get("lambda-runtime-function-error-type") })
        return Response.json({ status: "OK" }, { status: 202 })
      }
      if (request.method === "POST" && path === `${PREFIX}/init/error`) {
        initError = { body: await request.text(), errorTypeHeader: request.headers.get("lambda-runtime-function-error-type") }
        return Response.json({ status: "OK" }, { status: 202 })
      }
      return Response.json({ errorMessage: `no route ${request.method} ${path}` }, { status: 404 })
    }
  })

  return {
    address: `127.0.0.1:${server.port}`,
    invoke: (invocation, delivered) =>
      new Promise<RuntimeAnswer>((resolve) => {
        answers.set(invocation.requestId, resolve)
        const item = { invocation, delivered }
        const poller = waiting.shift()
        if (poller) poller(deliver(item))
        else queue.push(item)
      }),
    nextPoll: () => new Promise<void>((resolve) => pollWaiters.push(resolve)),
    initError: () => initError,
    abandon: (requestId) => {
      if (requestId !== undefined) {
        answers.delete(requestId)
        const i = queue.findIndex((q) => q.invocation.requestId === requestId)
        if (i >= 0) queue.splice(i, 1)
      }
      // A poll left open by a killed runtime must not swallow the next invocation.
      waiting.splice(0)
    },
    stop: async () => {
      await server.stop(true)
    }
  }
}
