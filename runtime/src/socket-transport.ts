import type { Socket, SocketHandler } from "bun"
import { AnswerReader, type HttpAnswer, MalformedAnswer } from "./http-answer.ts"
import { ConnectionFailed, type Transport } from "./transport.ts"

/**
 * The Runtime API over persistent `Bun.connect` sockets: plain HTTP/1.1 on loopback, keep-alive, one
 * request at a time per connection, read on the JavaScript thread's own event loop. fetch sends each
 * request through Bun's HTTP client thread and back (two thread hops per request, two requests per
 * invocation) and builds Request/Response/Headers/stream objects for them; the official runtimes use
 * no general-purpose client here either. Concurrent requests (Managed Instances: several loops, each
 * polling /next) each take an idle connection or open one; a connection is dropped when the server
 * closes it.
 */
export class SocketTransport implements Transport {
  private readonly idle: Array<Connection> = []
  private readonly hostname: string
  private readonly port: number

  constructor(private readonly host: string) {
    const colon = host.lastIndexOf(":")
    this.hostname = host.slice(0, colon).replace(/^\[(.*)\]$/, "$1")
    this.port = Number(host.slice(colon + 1))
  }

  async send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpAnswer> {
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.host}\r\n`
    for (const name in headers) head += `${name}: ${headerValue(name, headers[name]!)}\r\n`
    let request = `${head}\r\n`
    let bytes = request.length // the head is ASCII
    if (body !== undefined) {
      const length = Buffer.byteLength(body)
      head += `content-length: ${length}\r\n\r\n`
      request = head + body
      bytes = head.length + length
    }
    const reused = this.idle.pop()
    if (reused) {
      try {
        return await reused.exchange(request, bytes)
      } catch (e) {
        // Closed before a byte of the answer: the server had closed the idle connection (it races our write).
        // Once more on a new connection, as HTTP clients do, without the caller's backoff.
        if (!(e instanceof ConnectionFailed)) throw e
      }
    }
    return (await this.open()).exchange(request, bytes)
  }

  /** Closes the idle connections (tests; the process otherwise ends with them). */
  close(): void {
    for (const connection of this.idle.splice(0)) connection.socket?.end()
  }

  private async open(): Promise<Connection> {
    const connection = new Connection(this.idle)
    try {
      connection.socket = await Bun.connect({
        hostname: this.hostname,
        port: this.port,
        data: connection,
        socket: HANDLERS
      })
    } catch (e) {
      throw new ConnectionFailed(e instanceof Error ? e.message : String(e))
    }
    return connection
  }
}

/** fetch's rule for header values (no control characters but tab, nothing outside Latin-1); ours are ASCII. */
const headerValue = (name: string, value: string): string => {
  if (/[^\t\x20-\x7e]/.test(value)) throw new TypeError(`invalid value for header ${name}: ${JSON.stringify(value)}`)
  return value
}

class Connection {
  socket: Socket<Connection> | undefined
  private reader: AnswerReader | undefined
  private settle: { resolve: (a: HttpAnswer) => void; reject: (e: Error) => void } | undefined
  private unsent: Buffer | undefined
  private open = true

  constructor(private readonly pool: Array<Connection>) {}

  exchange(request: string, bytes: number): Promise<HttpAnswer> {
    const socket = this.socket!
    const { promise, resolve, reject } = Promise.withResolvers<HttpAnswer>()
    this.reader = new AnswerReader()
    this.settle = { resolve, reject }
    if (!this.open) {
      this.lost()
      return promise
    }
    socket.ref() // a request in flight keeps the process alive; an idle connection does not
    const written = socket.write(request)
    if (written < bytes) this.unsent = Buffer.from(request).subarray(Math.max(0, written))
    return promise
  }

  drain(): void {
    if (!this.unsent) return
    const written = this.socket!.write(this.unsent)
    this.unsent = written >= this.unsent.length ? undefined : this.unsent.subarray(Math.max(0, written))
  }

  data(chunk: Buffer): void {
    const reader = this.reader
    if (!reader) { // nothing was asked: not a server to keep talking to
      this.socket!.end()
      return
    }
    let answer: HttpAnswer | undefined
    try {
      answer = reader.push(chunk)
    } catch (e) {
      this.finish(undefined, e as Error)
      this.socket!.end()
      return
    }
    if (!answer) return
    // An answer before the whole request was sent (a 413 to a large body): the rest must not be sent later.
    const reusable = reader.reusable && !this.unsent
    this.finish(answer)
    if (!reusable) this.socket!.end()
    else if (this.open) {
      this.socket!.unref()
      this.pool.push(this) // before the caller resumes, so that its next request takes this connection
    }
  }

  /** The server closed the connection (or it broke). */
  lost(): void {
    this.open = false
    const at = this.pool.indexOf(this)
    if (at >= 0) this.pool.splice(at, 1)
    const reader = this.reader
    if (!reader) return
    const answer = reader.end()
    if (answer) this.finish(answer)
    else if (reader.received) {
      this.finish(undefined, new MalformedAnswer("the connection closed in the middle of an answer"))
    } else this.finish(undefined, new ConnectionFailed("the connection closed before an answer"))
  }

  private finish(answer: HttpAnswer | undefined, error?: Error): void {
    const settle = this.settle
    this.reader = undefined
    this.settle = undefined
    this.unsent = undefined
    if (answer) settle?.resolve(answer)
    else settle?.reject(error!)
  }
}

const HANDLERS: SocketHandler<Connection> = {
  data: (socket, chunk) => socket.data.data(chunk),
  drain: (socket) => socket.data.drain(),
  end: (socket) => socket.data.lost(),
  close: (socket) => socket.data.lost(),
  error: (socket) => socket.data.lost()
}
