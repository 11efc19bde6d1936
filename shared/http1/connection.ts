import type { Socket, SocketHandler, TLSOptions } from "bun"
import { type Answer, AnswerParser } from "./answer-parser.ts"
import { NetworkFailure } from "./network-failure.ts"

/** Where a pool's connections go: plain TCP, or TLS (verified against the system's CAs, or `tls.ca`). */
export interface Origin {
  readonly hostname: string
  readonly port: number
  readonly tls: false | TLSOptions
}

/**
 * One kept-alive HTTP/1.1 connection over a `Bun.connect` socket, read on the JavaScript thread's own
 * event loop (fetch hands each request to Bun's HTTP client thread and back, and builds Request, Response,
 * Headers and stream objects for it). One request at a time. An idle connection is unref'd: it keeps no
 * process alive (a Node.js 22 callback handler answers once the event loop is empty). The one client of
 * both artefacts: the runtime layer's Runtime API calls (runtime/src/socket-transport.ts) and the
 * function's AWS calls (src/http/origin-pool.ts) each keep their connections their own way.
 */
export class Connection {
  private socket: Socket<Connection> | undefined
  private parser: AnswerParser | undefined
  private waiting: { resolve: (a: Answer) => void; reject: (e: Error) => void } | undefined
  private unsent: Buffer | undefined
  /** Why the TLS handshake refused the server (its certificate or name), if it did. */
  private refusal: NetworkFailure | undefined
  alive = true
  /** Whether the last answer left the connection fit for another request. */
  reusable = false

  private constructor(private readonly gone: (c: Connection) => void) {}

  static async open(origin: Origin, gone: (c: Connection) => void): Promise<Connection> {
    const connection = new Connection(gone)
    try {
      connection.socket = await Bun.connect({
        hostname: origin.hostname,
        port: origin.port,
        data: connection,
        socket: HANDLERS,
        ...(origin.tls ? { tls: { serverName: origin.hostname, ...origin.tls } } : {})
      })
    } catch (e) {
      connection.alive = false
      throw NetworkFailure.from(e, "ECONNREFUSED", `cannot connect to ${origin.hostname}:${origin.port}`)
    }
    return connection
  }

  /** Sends a request (`bytes` long) and reads its answer. */
  exchange(request: string | Uint8Array, bytes: number): Promise<Answer> {
    const { promise, resolve, reject } = Promise.withResolvers<Answer>()
    this.parser = new AnswerParser()
    this.waiting = { resolve, reject }
    this.reusable = false
    if (!this.alive) {
      this.closed()
      return promise
    }
    const socket = this.socket!
    socket.ref() // a request in flight keeps the process alive
    const written = socket.write(request)
    if (written < bytes) this.unsent = Buffer.from(request).subarray(Math.max(0, written))
    return promise
  }

  /** Closes at once (a cut request, a broken answer): nothing more is read or sent on it. */
  destroy(): void {
    this.alive = false
    this.socket?.terminate()
  }

  drained(): void {
    if (!this.unsent) return
    const written = this.socket!.write(this.unsent)
    this.unsent = written >= this.unsent.length ? undefined : this.unsent.subarray(Math.max(0, written))
  }

  received(chunk: Buffer): void {
    const parser = this.parser
    if (!parser) return this.destroy() // nothing was asked: not a server to keep talking to
    let answer: Answer | undefined
    try {
      answer = parser.feed(chunk)
    } catch (e) {
      this.settle(undefined, e as Error)
      return this.destroy()
    }
    if (!answer) return
    // Answered before the whole request went out (a 413, say): the rest must not follow on this connection.
    this.reusable = parser.reusable && !this.unsent && this.alive
    // Settled before closing: Bun runs the close handler within terminate(), which would otherwise fail the
    // request that has its answer (Connection: close) as a connection lost in the middle of it.
    this.settle(answer)
    if (this.reusable) this.socket!.unref()
    else this.destroy()
  }

  /**
   * The TLS handshake did not authorize the server (a certificate not trusted, a name it does not cover):
   * Bun closes the connection, and the request fails with the handshake's own code, as fetch's does
   * (UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID...), not as a reset a retry could mend.
   */
  handshaken(authorized: boolean, error: Error | null): void {
    if (authorized) return
    const code = (error as { code?: unknown } | null)?.code
    this.refusal = new NetworkFailure(
      typeof code === "string" && code !== "" ? code : "ERR_TLS_HANDSHAKE",
      `TLS: the server was not authorized: ${error?.message ?? "unknown reason"}`
    )
    this.destroy()
  }

  /** The peer closed the connection, or it broke. */
  closed(): void {
    if (this.alive) {
      this.alive = false
      this.socket?.end()
    }
    this.gone(this)
    const parser = this.parser
    if (!parser) return
    const answer = parser.end()
    if (answer) return this.settle(answer)
    this.settle(
      undefined,
      this.refusal ??
        (parser.started
          ? new NetworkFailure("ECONNRESET", "the connection closed in the middle of an answer")
          : new NetworkFailure("ECONNRESET", "the connection closed before an answer", true))
    )
  }

  private settle(answer: Answer | undefined, error?: Error): void {
    const waiting = this.waiting
    this.parser = undefined
    this.waiting = undefined
    this.unsent = undefined
    if (answer) waiting?.resolve(answer)
    else waiting?.reject(error!)
  }
}

const HANDLERS: SocketHandler<Connection> = {
  data: (socket, chunk) => socket.data.received(chunk),
  drain: (socket) => socket.data.drained(),
  end: (socket) => socket.data.closed(),
  close: (socket) => socket.data.closed(),
  handshake: (socket, authorized, error) => socket.data.handshaken(authorized, error),
  error: (socket) => socket.data.closed(),
  connectError: (socket) => socket.data.closed()
}
