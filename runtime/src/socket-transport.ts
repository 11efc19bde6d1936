import type { Answer } from "../../shared/http1/answer-parser.ts"
import { Connection, type Origin } from "../../shared/http1/connection.ts"
import { NetworkFailure } from "../../shared/http1/network-failure.ts"
import { requestMessage } from "../../shared/http1/request-message.ts"
import { socketHostname } from "../../shared/http1/socket-hostname.ts"
import { type HttpAnswer, httpAnswer } from "./http-answer.ts"
import { ConnectionFailed, type Transport } from "./transport.ts"

/**
 * The Runtime API over persistent `Bun.connect` sockets: plain HTTP/1.1 on loopback, keep-alive, one
 * request at a time per connection, read on the JavaScript thread's own event loop, by the HTTP/1.1
 * client the function's AWS calls use too (shared/http1/). fetch sends each request through Bun's HTTP
 * client thread and back (two thread hops per request, two requests per invocation) and builds
 * Request/Response/Headers/stream objects for them; the official runtimes use no general-purpose client
 * here either. Concurrent requests (Managed Instances: several loops, each polling /next) each take an
 * idle connection or open one, with no bound and no time limit (the /next long poll waits as long as
 * Lambda keeps it); a connection is dropped when the server closes it.
 */
export class SocketTransport implements Transport {
  private readonly idle: Array<Connection> = []
  /** The bytes of GETs with no headers of their own (GET /next, once per invocation), made once per path. */
  private readonly gets = new Map<string, [string | Uint8Array, number]>()
  private readonly origin: Origin
  private readonly forget = (gone: Connection) => {
    const at = this.idle.indexOf(gone)
    if (at >= 0) this.idle.splice(at, 1)
  }

  constructor(private readonly host: string) {
    const colon = host.lastIndexOf(":")
    this.origin = {
      hostname: socketHostname(host.slice(0, colon)),
      port: Number(host.slice(colon + 1)),
      tls: false
    }
  }

  async send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpAnswer> {
    const [request, bytes] = method === "GET" && isEmpty(headers)
      ? this.get(path)
      : requestMessage(method, path, { Host: this.host, ...headers }, body, this.host)
    const reused = this.idle.pop()
    if (reused) {
      try {
        return this.answered(reused, await reused.exchange(request, bytes))
      } catch (e) {
        // Closed before a byte of the answer: the server had closed the idle connection (it races our write).
        // Once more on a new connection, as HTTP clients do, without the caller's backoff.
        if (!(e instanceof NetworkFailure && e.beforeAnswer)) throw e
      }
    }
    let connection: Connection
    try {
      connection = await Connection.open(this.origin, this.forget)
    } catch (e) {
      throw new ConnectionFailed(e instanceof Error ? e.message : String(e))
    }
    try {
      return this.answered(connection, await connection.exchange(request, bytes))
    } catch (e) {
      // No byte of an answer: the caller retries it, after a backoff. An answer cut in the middle is not retried.
      throw e instanceof NetworkFailure && e.beforeAnswer ? new ConnectionFailed(e.message) : e
    }
  }

  private get(path: string): [string | Uint8Array, number] {
    let made = this.gets.get(path)
    if (!made) {
      made = requestMessage("GET", path, { Host: this.host }, undefined, this.host)
      this.gets.set(path, made)
    }
    return made
  }

  /** Closes the idle connections (tests; the process otherwise ends with them). */
  close(): void {
    for (const connection of this.idle.splice(0)) connection.destroy()
  }

  /** The connection back among the idle ones if the answer left it fit for another request. */
  private answered(connection: Connection, answer: Answer): HttpAnswer {
    if (connection.alive && connection.reusable) this.idle.push(connection)
    return httpAnswer(answer)
  }
}

const isEmpty = (headers: Record<string, string>): boolean => {
  for (const _ in headers) return false
  return true
}
