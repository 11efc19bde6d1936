import type { TLSOptions } from "bun"
import type { Answer } from "../http/answer-parser.ts"
import { OriginPool } from "../http/origin-pool.ts"
import { BunFetchHandler } from "./bun-fetch-handler.ts"

type Handle = BunFetchHandler["handle"]
type Request = Parameters<Handle>[0]
type Options = NonNullable<Parameters<Handle>[1]>
type Handled = Awaited<ReturnType<Handle>>

export interface BunSocketHandlerOptions {
  /** Connections kept per origin, at most: the function's AWS requests in flight (MAX_CONCURRENCY). */
  readonly connectionsPerOrigin: number
  /** TLS settings added to each https connection's (e.g. `ca` for a test server's certificate). */
  readonly tls?: TLSOptions
}

/**
 * The SDK's transport on Bun over its own kept-alive HTTP/1.1 connections (`Bun.connect`, TLS for
 * https), read on the JavaScript thread: no hop to Bun's HTTP client thread and back per request, and
 * no Request, Response, Headers or stream objects. The request goes out as the SDK built and signed it,
 * header for header; the answer comes back with its body read whole, as bytes (the CRC32 check and the
 * deserializer take them as they are). A request this does not cover (a query string, a fragment,
 * credentials in the URL, a streamed body) goes through the fetch handler it extends.
 */
export class BunSocketHandler extends BunFetchHandler {
  private readonly pools = new Map<string, OriginPool>()

  constructor(private readonly options: BunSocketHandlerOptions) {
    super({ keepAlive: true })
  }

  override async handle(request: Request, options: Options = {}): Promise<Handled> {
    const { body } = request
    const plain = request.fragment === undefined && request.username === undefined &&
      request.password === undefined && (request.query === undefined || Object.keys(request.query).length === 0) &&
      (body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array)
    if (!plain) return super.handle(request, options)
    const [message, bytes] = requestMessage(request)
    const answer = await this.pool(request).send(message, bytes, {
      signal: options.abortSignal as AbortSignal | undefined,
      timeoutMs: options.requestTimeout ?? this.httpHandlerConfigs().requestTimeout
    })
    return { response: response(answer) }
  }

  override destroy(): void {
    for (const pool of this.pools.values()) pool.close()
    this.pools.clear()
  }

  private pool(request: Request): OriginPool {
    const key = `${request.protocol}//${request.hostname}:${request.port ?? ""}`
    let pool = this.pools.get(key)
    if (!pool) {
      const https = request.protocol === "https:"
      if (!https && request.protocol !== "http:") throw new TypeError(`unsupported protocol ${request.protocol}`)
      const hostname = request.hostname.replace(/^\[(.*)\]$/, "$1")
      const port = request.port ?? (https ? 443 : 80)
      pool = new OriginPool(
        { hostname, port, tls: https ? (this.options.tls ?? {}) : false },
        this.options.connectionsPerOrigin
      )
      this.pools.set(key, pool)
    }
    return pool
  }
}

/**
 * The request's bytes: the SDK's headers as they are (it set host and content-length, and signed them),
 * a Host or Content-Length it did not set added. Returns the message and its length in bytes.
 */
const requestMessage = (request: Request): [string | Uint8Array, number] => {
  const { headers, method } = request
  const body = method === "GET" || method === "HEAD" ? undefined : (request.body as string | Uint8Array | undefined)
  let head = `${method} ${request.path || "/"} HTTP/1.1\r\n`
  let host = false
  let length = false
  for (const name in headers) {
    const value = headers[name]!
    // No line breaks (a header injected), nothing outside printable ASCII (fetch refuses it too).
    if (/[^\t\x20-\x7e]/.test(value) || /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(name)) {
      throw new TypeError(`invalid header ${JSON.stringify(name)}: ${JSON.stringify(value)}`)
    }
    const lower = name.length === 4 || name.length === 14 ? name.toLowerCase() : ""
    if (lower === "host") host = true
    else if (lower === "content-length") length = true
    head += `${name}: ${value}\r\n`
  }
  if (!host) head += `host: ${request.hostname}${request.port ? `:${request.port}` : ""}\r\n`
  const bodyBytes = body === undefined || body === null
    ? 0
    : typeof body === "string"
    ? Buffer.byteLength(body)
    : body.byteLength
  if (!length && (bodyBytes > 0 || (method !== "GET" && method !== "HEAD"))) head += `content-length: ${bodyBytes}\r\n`
  head += "\r\n"
  // The head is ASCII (checked above for names; the SDK's values are): its length is its byte count.
  if (bodyBytes === 0) return [head, head.length]
  if (typeof body === "string") return [head + body, head.length + bodyBytes]
  return [Buffer.concat([Buffer.from(head, "latin1"), body!]), head.length + bodyBytes]
}

const response = (answer: Answer): Handled["response"] => ({
  statusCode: answer.statusCode,
  reason: answer.reason,
  headers: answer.headers,
  body: answer.body
})
