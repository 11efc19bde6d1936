import type { TLSOptions } from "bun"
import type { Answer } from "../../shared/http1/answer-parser.ts"
import { requestMessage } from "../../shared/http1/request-message.ts"
import { socketHostname } from "../../shared/http1/socket-hostname.ts"
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
 * The SDK's transport on Bun over its own kept-alive HTTP/1.1 connections (the client in shared/http1/
 * that the runtime layer uses too; `Bun.connect`, TLS for https; pooled per origin by src/http/), read on
 * the JavaScript thread: no hop to Bun's HTTP client thread and back per request, and
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
    // The SDK sets host and content-length, and signs them: the message adds them only where it did not.
    const host = `${request.hostname}${request.port ? `:${request.port}` : ""}`
    const [message, bytes] = requestMessage(request.method, request.path || "/", request.headers, body, host)
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
    const key = originKey(request)
    let pool = this.pools.get(key)
    if (!pool) {
      const https = request.protocol === "https:"
      if (!https && request.protocol !== "http:") throw new TypeError(`unsupported protocol ${request.protocol}`)
      const hostname = socketHostname(request.hostname)
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

/** Where a request goes, as a key: one pool (and one proxy decision) per scheme, host and port. */
export const originKey = (request: Request): string => `${request.protocol}//${request.hostname}:${request.port ?? ""}`

const response = (answer: Answer): Handled["response"] => ({
  statusCode: answer.statusCode,
  reason: answer.reason,
  headers: answer.headers,
  body: answer.body
})
