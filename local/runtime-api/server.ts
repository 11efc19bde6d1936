import { randomUUID } from "node:crypto"

/**
 * A local stand-in for Lambda's Runtime API and Extensions API, for one execution environment: it
 * hands out invocations on GET /next (long poll; several at once in Managed Instances mode) and
 * collects the answers the runtime posts.
 */
export interface PendingInvocation {
  readonly requestId: string
  readonly event: string
  readonly deadlineMs: number
  readonly headers: Record<string, string>
}

export type RuntimeAnswer =
  | { readonly kind: "response"; readonly body: string }
  | {
    readonly kind: "error"
    readonly body: string
    readonly errorTypeHeader: string | null
    readonly xrayErrorCause?: string | null
  }

export interface RegisteredExtension {
  readonly name: string
  readonly id: string
  readonly events: ReadonlyArray<string>
}

export interface RuntimeApiServer {
  /** host:port, as AWS_LAMBDA_RUNTIME_API expects it. */
  readonly address: string
  /** Queues an invocation; resolves with the runtime's answer. `handedOut` fires when /next hands it out. */
  readonly invoke: (invocation: PendingInvocation, handedOut: () => void) => Promise<RuntimeAnswer>
  /** Resolves at the runtime's next GET /next. */
  readonly nextPoll: () => Promise<void>
  readonly initError: () => { body: string; errorTypeHeader: string | null } | undefined
  /** Extensions registered through the Extensions API since the last `abandon()`. */
  readonly extensions: () => ReadonlyArray<RegisteredExtension>
  /**
   * Forgets one invocation (its late answer then gets 4xx, as on Lambda) or, without a request id,
   * everything a killed runtime left: its open polls and its extensions.
   */
  readonly abandon: (requestId?: string) => void
  readonly stop: () => Promise<void>
}

/**
 * Lambda's limit for a synchronous response: 6 MiB plus 100 bytes. Written here apart from the runtime's
 * own (runtime/src/response.ts) on purpose: this server plays Lambda, so the conformance tests hold the
 * runtime to Lambda's number, not to itself.
 */
const MAX_RESPONSE_BYTES = 6_291_556
const PREFIX = "/2018-06-01/runtime"
const EXTENSION_PREFIX = "/2020-01-01/extension"

export interface ServerOptions {
  /** Lets a test answer a request itself (Runtime API outages); undefined lets it through. */
  readonly intercept?: (request: Request) => Response | undefined
  /** What /extension/register answers about the function. */
  readonly functionName?: string
  readonly handler?: string
  /**
   * Called when the runtime waits on GET /next with no event queued and every registered extension waits
   * on its own next event: the moment Lambda freezes the environment.
   */
  readonly onIdle?: () => void
}

const tooLarge = {
  errorType: "Function.ResponseSizeTooLarge",
  errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`
}

/**
 * Lambda's Runtime API is Go's net/http, which writes the event without sizing it: an event that fits
 * its 2 KB buffer gets a Content-Length, a larger one comes with chunked transfer coding. So here too,
 * counted in bytes: a shorter text of multi-byte characters can still fill the buffer.
 */
export const eventBody = (event: string): string | ReadableStream<Uint8Array> =>
  Buffer.byteLength(event) <= 2048 ? event : new ReadableStream({
    start(controller) {
      controller.enqueue(Buffer.from(event))
      controller.close()
    }
  })

export const startRuntimeApiServer = (options: ServerOptions = {}): RuntimeApiServer => {
  const queue: Array<{ invocation: PendingInvocation; handedOut: () => void }> = []
  const waiting: Array<(r: Response) => void> = []
  const answers = new Map<string, (answer: RuntimeAnswer) => void>()
  const pollWaiters: Array<() => void> = []
  let extensions: Array<RegisteredExtension> = []
  // Extensions whose /event/next poll is open: done with the current phase.
  const polling = new Set<string>()
  const whenIdle = () => {
    if (waiting.length > 0 && queue.length === 0 && extensions.every((e) => polling.has(e.id))) options.onIdle?.()
  }
  let initError: { body: string; errorTypeHeader: string | null } | undefined

  const handOut = (item: { invocation: PendingInvocation; handedOut: () => void }): Response => {
    item.handedOut()
    const { invocation } = item
    return new Response(eventBody(invocation.event), {
      headers: {
        "content-type": "application/json",
        "lambda-runtime-aws-request-id": invocation.requestId,
        "lambda-runtime-deadline-ms": String(invocation.deadlineMs),
        ...invocation.headers
      }
    })
  }

  const extensionApi = async (request: Request, path: string): Promise<Response> => {
    if (request.method === "POST" && path === `${EXTENSION_PREFIX}/register`) {
      const name = request.headers.get("lambda-extension-name")
      if (!name) {
        return Response.json({
          errorType: "Extension.InvalidExtensionName",
          errorMessage: "missing Lambda-Extension-Name"
        }, { status: 400 })
      }
      let events: Array<string> = []
      try {
        const body = (await request.json()) as { events?: unknown }
        if (Array.isArray(body.events)) events = body.events.map(String)
      } catch {
        return Response.json({ errorType: "Extension.InvalidRequest", errorMessage: "body must be JSON" }, {
          status: 400
        })
      }
      const id = randomUUID()
      extensions.push({ name, id, events })
      return Response.json(
        {
          functionName: options.functionName ?? "local-function",
          functionVersion: "$LATEST",
          handler: options.handler ?? ""
        },
        { headers: { "lambda-extension-identifier": id } }
      )
    }
    if (request.method === "GET" && path === `${EXTENSION_PREFIX}/event/next`) {
      const id = request.headers.get("lambda-extension-identifier")
      if (!id || !extensions.some((e) => e.id === id)) {
        return Response.json({ errorType: "Extension.UnknownExtensionIdentifier", errorMessage: "unknown extension" }, {
          status: 403
        })
      }
      // No INVOKE or SHUTDOWN events are delivered locally: the poll stays open, as for an
      // extension subscribed to none (the runtime is told to shut down by SIGTERM).
      polling.add(id)
      whenIdle()
      return new Promise<Response>(() => {})
    }
    return Response.json({ errorMessage: `no route ${request.method} ${path}` }, { status: 404 })
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0, // /next is a long poll: never cut it
    async fetch(request) {
      const intercepted = options.intercept?.(request)
      if (intercepted) return intercepted
      const path = new URL(request.url).pathname
      if (path.startsWith(EXTENSION_PREFIX)) return extensionApi(request, path)
      if (request.method === "GET" && path === `${PREFIX}/invocation/next`) {
        pollWaiters.splice(0).forEach((w) => w())
        const item = queue.shift()
        if (item) return handOut(item)
        return new Promise<Response>((resolve) => {
          waiting.push(resolve)
          whenIdle()
        })
      }
      const match = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path)
      if (request.method === "POST" && match) {
        const requestId = decodeURIComponent(match[1]!)
        const answer = answers.get(requestId)
        if (!answer) {
          return Response.json({ errorMessage: `unknown request id ${requestId}`, errorType: "InvalidRequestID" }, {
            status: 400
          })
        }
        const body = await request.text()
        answers.delete(requestId)
        if (match[2] === "response" && Buffer.byteLength(body) > MAX_RESPONSE_BYTES) {
          // As Lambda: the invocation fails with this error, and the runtime is told with a 413.
          answer({
            kind: "error",
            body: JSON.stringify({ ...tooLarge, stackTrace: [] }),
            errorTypeHeader: tooLarge.errorType
          })
          return Response.json(tooLarge, { status: 413 })
        }
        answer(
          match[2] === "response"
            ? { kind: "response", body }
            : {
              kind: "error",
              body,
              errorTypeHeader: request.headers.get("lambda-runtime-function-error-type"),
              xrayErrorCause: request.headers.get("lambda-runtime-function-xray-error-cause")
            }
        )
        return Response.json({ status: "OK" }, { status: 202 })
      }
      if (request.method === "POST" && path === `${PREFIX}/init/error`) {
        initError = {
          body: await request.text(),
          errorTypeHeader: request.headers.get("lambda-runtime-function-error-type")
        }
        return Response.json({ status: "OK" }, { status: 202 })
      }
      return Response.json({ errorMessage: `no route ${request.method} ${path}` }, { status: 404 })
    }
  })

  return {
    address: `127.0.0.1:${server.port}`,
    invoke: (invocation, handedOut) =>
      new Promise<RuntimeAnswer>((resolve) => {
        answers.set(invocation.requestId, resolve)
        const item = { invocation, handedOut }
        const poller = waiting.shift()
        if (poller) poller(handOut(item))
        else queue.push(item)
      }),
    nextPoll: () => new Promise<void>((resolve) => pollWaiters.push(resolve)),
    initError: () => initError,
    extensions: () => extensions,
    abandon: (requestId) => {
      if (requestId !== undefined) {
        answers.delete(requestId)
        const i = queue.findIndex((q) => q.invocation.requestId === requestId)
        if (i >= 0) queue.splice(i, 1)
        return
      }
      // A poll left open by a killed runtime must not swallow the next invocation.
      waiting.splice(0)
      extensions = []
      polling.clear()
    },
    stop: async () => {
      await server.stop(true)
    }
  }
}
