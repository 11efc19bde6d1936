import type { Socket, SocketHandler } from "bun"
import { Effect } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import { transportError } from "./otlp-fetch-client.ts"

/**
 * The HTTP client under Effect's OTLP exporter, for a plain `http:` endpoint (a collector on loopback, as
 * the ADOT extension is): one POST per export over a kept-alive `Bun.connect` socket, read on the
 * JavaScript thread. fetch hands each request to Bun's HTTP client thread and back and builds Request,
 * Response, Headers and stream objects for it. One request at a time per connection; an export while
 * another is in flight opens a second one. Answers framed by Content-Length, chunked, or by the end of
 * the connection.
 */
export class OtlpSocketClient {
  private readonly idle: Array<Connection> = []
  private readonly hostname: string
  private readonly port: number
  private readonly host: string
  private readonly path: string
  readonly client: HttpClient.HttpClient

  constructor(url: string) {
    const parsed = new URL(url)
    if (parsed.protocol !== "http:") throw new TypeError(`the socket client speaks http:, not ${parsed.protocol}`)
    this.host = parsed.host
    this.hostname = parsed.hostname.replace(/^\[(.*)\]$/, "$1")
    this.port = Number(parsed.port || 80)
    this.path = `${parsed.pathname}${parsed.search}`
    this.client = HttpClient.makeWith((request) => Effect.flatMap(request, (r) => this.execute(r)), noPreprocess)
  }

  private execute(request: HttpClientRequest.HttpClientRequest) {
    return Effect.callback<HttpClientResponse.HttpClientResponse, ReturnType<typeof transportError>>((resume) => {
      this.send(request).then(
        (answer) => resume(Effect.succeed(responseOf(request, answer))),
        (cause) => resume(Effect.fail(transportError(request, cause)))
      )
    })
  }

  /** Sends one request; the request's own URL is this client's (the exporter always posts to one). */
  async send(request: HttpClientRequest.HttpClientRequest): Promise<Answer> {
    const body = request.body
    if (body._tag !== "Uint8Array") throw new TypeError(`the OTLP client sends text or bytes, not ${body._tag}`)
    let head = `${request.method} ${this.path} HTTP/1.1\r\nhost: ${this.host}\r\n`
    for (const name of Object.keys(request.headers)) {
      if (name !== "content-length") head += `${name}: ${checked(name, request.headers[name]!)}\r\n`
    }
    head += `content-length: ${body.contentLength}\r\n\r\n`
    const bytes = body.text === undefined ? Buffer.concat([Buffer.from(head), body.body]) : undefined
    const wire = bytes ?? head + body.text
    const length = bytes?.length ?? head.length + body.contentLength
    const reused = this.idle.pop()
    if (reused) {
      try {
        return await reused.exchange(wire, length)
      } catch (e) {
        // Closed before a byte of the answer: the server had closed the idle connection; once more on a new one.
        if (!(e instanceof ClosedBeforeAnswer)) throw e
      }
    }
    return (await this.open()).exchange(wire, length)
  }

  /** Closes the idle connections (at shutdown, after the exporter's last flush). */
  close(): void {
    for (const connection of this.idle.splice(0)) connection.socket?.end()
  }

  private async open(): Promise<Connection> {
    const connection = new Connection(this.idle)
    connection.socket = await Bun.connect({ hostname: this.hostname, port: this.port, data: connection, socket })
    return connection
  }
}

const noPreprocess = Effect.succeed as HttpClient.HttpClient.Preprocess<never, never>

class ClosedBeforeAnswer extends Error {}

/**
 * Effect's response over the answer, its body already read: the exporter reads it (`arrayBuffer`) before
 * it looks at the status, and a Web Response would hand it over through a promise.
 */
const responseOf = (request: HttpClientRequest.HttpClientRequest, answer: Answer) => {
  const response = HttpClientResponse.fromWeb(request, answer.response)
  const body = answer.body
  const bytes = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer
  return Object.create(response, { arrayBuffer: { value: Effect.succeed(bytes) } }) as typeof response
}

/** fetch's rule for header values: no control characters but tab, nothing outside Latin-1. */
const checked = (name: string, value: string): string => {
  if (/[^\t\x20-\xff]|[\x7f]/.test(value) || /[^!#$%&'*+\-.^_`|~0-9a-z]/i.test(name)) {
    throw new TypeError(`invalid header ${name}`)
  }
  return value
}

class Connection {
  socket: Socket<Connection> | undefined
  private received: Buffer | undefined
  private settle: { resolve: (a: Answer) => void; reject: (e: Error) => void } | undefined
  private unsent: Buffer | undefined
  private open = true

  constructor(private readonly pool: Array<Connection>) {}

  exchange(request: string | Buffer, bytes: number): Promise<Answer> {
    const { promise, resolve, reject } = Promise.withResolvers<Answer>()
    this.settle = { resolve, reject }
    this.received = undefined
    if (!this.open) {
      this.lost()
      return promise
    }
    const socket = this.socket!
    socket.ref() // an export in flight keeps the process alive; an idle connection does not
    const written = socket.write(request)
    if (written < bytes) {
      this.unsent = (typeof request === "string" ? Buffer.from(request) : request).subarray(Math.max(0, written))
    }
    return promise
  }

  drain(): void {
    if (!this.unsent) return
    const written = this.socket!.write(this.unsent)
    this.unsent = written >= this.unsent.length ? undefined : this.unsent.subarray(Math.max(0, written))
  }

  data(chunk: Buffer): void {
    if (!this.settle) { // nothing was asked: not a server to keep talking to
      this.socket!.end()
      return
    }
    this.received = this.received ? Buffer.concat([this.received, chunk]) : chunk
    let answer: Answer | undefined
    try {
      answer = readAnswer(this.received, false)
    } catch (e) {
      this.finish(undefined, e as Error)
      this.socket!.end()
      return
    }
    if (!answer) return
    // An answer before the whole request was sent (a 413 to a large body): the rest must not be sent later.
    const reusable = answer.reusable && !this.unsent
    this.finish(answer)
    if (!reusable) this.socket!.end()
    else if (this.open) {
      this.socket!.unref()
      this.pool.push(this)
    }
  }

  /** The server closed the connection (or it broke). */
  lost(): void {
    this.open = false
    const at = this.pool.indexOf(this)
    if (at >= 0) this.pool.splice(at, 1)
    if (!this.settle) return
    if (!this.received) return this.finish(undefined, new ClosedBeforeAnswer("the connection closed before an answer"))
    try {
      const answer = readAnswer(this.received, true)
      if (answer) this.finish(answer)
      else this.finish(undefined, new Error("the connection closed in the middle of an answer"))
    } catch (e) {
      this.finish(undefined, e as Error)
    }
  }

  private finish(answer: Answer | undefined, error?: Error): void {
    const settle = this.settle
    this.settle = undefined
    this.received = undefined
    this.unsent = undefined
    if (answer) settle?.resolve(answer)
    else settle?.reject(error!)
  }
}

const socket: SocketHandler<Connection> = {
  data: (s, chunk) => s.data.data(chunk),
  drain: (s) => s.data.drain(),
  end: (s) => s.data.lost(),
  close: (s) => s.data.lost(),
  error: (s) => s.data.lost()
}

export interface Answer {
  readonly response: Response
  readonly body: Buffer
  readonly reusable: boolean
}

const HEAD_END = Buffer.from("\r\n\r\n")
const CRLF = Buffer.from("\r\n")

/**
 * The answer in `bytes` once it is all there (undefined before); `ended`: the server closed the
 * connection, which ends a body framed by neither length nor chunks. Interim (1xx) answers are skipped.
 */
export const readAnswer = (bytes: Buffer, ended: boolean): Answer | undefined => {
  let start = 0
  for (;;) {
    const headEnd = bytes.indexOf(HEAD_END, start)
    if (headEnd < 0) {
      if (bytes.length - start > 65_536) throw new Error("an answer's head over 64 KB")
      return undefined
    }
    const lines = bytes.toString("latin1", start, headEnd).split("\r\n")
    const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]!)
    if (!status) throw new Error(`not an HTTP answer: ${JSON.stringify(lines[0]!.slice(0, 40))}`)
    const code = Number(status[1])
    const headers = new Headers()
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":")
      if (colon <= 0) throw new Error(`a malformed header line: ${JSON.stringify(line.slice(0, 40))}`)
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim())
    }
    const bodyStart = headEnd + 4
    if (code >= 100 && code < 200) {
      start = bodyStart
      continue
    }
    if (code < 200 || code > 599) throw new Error(`an answer's status out of range: ${code}`)
    const close = /(^|,)\s*close\s*($|,)/i.test(headers.get("connection") ?? "")
    let body: Buffer
    let reusable = !close
    if (code === 204 || code === 304) body = Buffer.alloc(0)
    else if (/chunked\s*$/i.test(headers.get("transfer-encoding") ?? "")) {
      const chunked = readChunked(bytes, bodyStart)
      if (!chunked) return undefined
      body = chunked
      headers.delete("transfer-encoding")
    } else if (headers.has("content-length")) {
      const length = Number(headers.get("content-length"))
      if (!Number.isSafeInteger(length) || length < 0) throw new Error("a malformed content-length")
      if (bytes.length - bodyStart < length) return undefined
      body = bytes.subarray(bodyStart, bodyStart + length)
    } else {
      if (!ended) return undefined
      body = bytes.subarray(bodyStart)
      reusable = false
    }
    const response = new Response(code === 204 || code === 304 ? null : body as BodyInit, { status: code, headers })
    return { response, body, reusable }
  }
}

/** A chunked body from `at` once its last chunk and trailers are there. */
const readChunked = (bytes: Buffer, at: number): Buffer | undefined => {
  const parts: Array<Buffer> = []
  for (;;) {
    const lineEnd = bytes.indexOf(CRLF, at)
    if (lineEnd < 0) return undefined
    const sizeText = bytes.toString("latin1", at, lineEnd).split(";")[0]!.trim()
    if (!/^[0-9a-f]+$/i.test(sizeText)) throw new Error("a malformed chunk size")
    const size = parseInt(sizeText, 16)
    at = lineEnd + 2
    if (size === 0) {
      // Trailers, if any, then an empty line.
      for (;;) {
        const end = bytes.indexOf(CRLF, at)
        if (end < 0) return undefined
        if (end === at) return Buffer.concat(parts)
        at = end + 2
      }
    }
    if (bytes.length < at + size + 2) return undefined
    parts.push(bytes.subarray(at, at + size))
    at += size + 2
  }
}
