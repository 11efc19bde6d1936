/**
 * Reads one HTTP/1.1 answer off a connection's bytes, however the reads split it: the status line, the
 * headers (by lower-case name, as the SDK's fetch and node:http handlers give them), and the body as
 * bytes, framed by Content-Length, by chunked transfer coding (DynamoDB chunks large answers), or by the
 * end of the connection. What the AWS SDK's handlers need and no more: no compression, no upgrades.
 */

/** An answer as the SDK's HttpResponse takes it. */
export interface Answer {
  readonly statusCode: number
  readonly reason: string
  readonly headers: Record<string, string>
  readonly body: Uint8Array
}

/** Bytes that are not an HTTP/1.1 answer, or more bytes than the answer: the connection cannot be read on. */
export class BadAnswer extends Error {
  override readonly name = "InvalidHTTPResponse"
  readonly code = "InvalidHTTPResponse"
}

/** Far above an AWS answer's head (under 1 KB); a limit so that a stream of garbage is not buffered. */
const MAX_HEAD = 64 * 1024
const MAX_LINE = 4096
const HEAD_END = Buffer.from("\r\n\r\n")
const EMPTY = new Uint8Array(0)

type Stage = "head" | "sized" | "chunk-line" | "chunk-data" | "chunk-crlf" | "trailers" | "to-close" | "done"

export class AnswerParser {
  private stage: Stage = "head"
  /** An unfinished head or line, carried to the next read (copied: Bun reuses a read's buffer). */
  private carry: Buffer | undefined
  private statusCode = 0
  private reason = ""
  private headers: Record<string, string> = {}
  private left = 0
  private readonly body: Array<Uint8Array> = []
  private keepAlive = true
  /** Whether a byte of the answer has arrived: a connection lost before that never answered. */
  started = false

  /** Whether the connection can carry another request after this answer. */
  get reusable(): boolean {
    return this.keepAlive && this.stage === "done"
  }

  /** Feeds the next read; the answer once it is complete. */
  feed(chunk: Uint8Array): Answer | undefined {
    if (chunk.length === 0) return undefined
    this.started = true
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    if (this.carry) {
      bytes = Buffer.concat([this.carry, bytes])
      this.carry = undefined
    }
    let at = 0
    while (at < bytes.length && this.stage !== "done") at = this.step(bytes, at)
    if (this.stage !== "done") return undefined
    if (at < bytes.length) throw new BadAnswer("bytes after the end of the answer")
    return this.answer()
  }

  /** The connection ended: the answer if its body ran to the end of the connection, else undefined. */
  end(): Answer | undefined {
    if (this.stage !== "to-close") return undefined
    this.stage = "done"
    this.keepAlive = false
    return this.answer()
  }

  /** Consumes what it can from `bytes` at `at`; returns where it stopped. */
  private step(bytes: Buffer, at: number): number {
    switch (this.stage) {
      case "head": {
        const end = bytes.indexOf(HEAD_END, at)
        if (end < 0) return this.hold(bytes, at, MAX_HEAD)
        this.readHead(bytes.toString("latin1", at, end))
        return end + 4
      }
      case "sized":
      case "chunk-data": {
        const take = Math.min(this.left, bytes.length - at)
        // A view on Bun's read buffer is not ours to keep: copied.
        this.body.push(new Uint8Array(bytes.subarray(at, at + take)))
        this.left -= take
        if (this.left === 0) this.stage = this.stage === "sized" ? "done" : "chunk-crlf"
        return at + take
      }
      case "to-close":
        this.body.push(new Uint8Array(bytes.subarray(at)))
        return bytes.length
      default: {
        const lf = bytes.indexOf(10, at)
        if (lf < 0) return this.hold(bytes, at, MAX_LINE)
        this.readLine(bytes.toString("latin1", at, lf > at && bytes[lf - 1] === 13 ? lf - 1 : lf))
        return lf + 1
      }
    }
  }

  private hold(bytes: Buffer, at: number, max: number): number {
    if (bytes.length - at > max) throw new BadAnswer("an answer's head or chunk line is too long")
    this.carry = Buffer.from(bytes.subarray(at))
    return bytes.length
  }

  private readHead(head: string): void {
    const lines = head.split("\r\n")
    const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]!)
    if (!status) throw new BadAnswer(`not an HTTP/1.1 status line: ${JSON.stringify(lines[0]!.slice(0, 80))}`)
    const headers: Record<string, string> = {}
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!
      const colon = line.indexOf(":")
      if (colon < 1) throw new BadAnswer(`not a header line: ${JSON.stringify(line.slice(0, 80))}`)
      const name = line.slice(0, colon).toLowerCase()
      const value = line.slice(colon + 1).trim()
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value
    }
    const code = Number(status[1])
    if (code < 200) return // 100 Continue and the like: the real answer follows
    this.statusCode = code
    this.reason = status[2] ?? ""
    this.headers = headers
    this.keepAlive = !/(^|,)\s*close\s*($|,)/i.test(headers["connection"] ?? "")
    const coding = headers["transfer-encoding"]
    const length = headers["content-length"]
    if (code === 204 || code === 304) this.stage = "done"
    else if (coding !== undefined) this.stage = /(^|,)\s*chunked\s*$/i.test(coding) ? "chunk-line" : "to-close"
    else if (length !== undefined) {
      if (!/^\d{1,15}$/.test(length)) throw new BadAnswer(`bad Content-Length ${JSON.stringify(length)}`)
      this.left = Number(length)
      this.stage = this.left === 0 ? "done" : "sized"
    } else this.stage = "to-close"
    if (this.stage === "to-close") this.keepAlive = false
  }

  private readLine(line: string): void {
    if (this.stage === "chunk-crlf") {
      if (line !== "") throw new BadAnswer("a chunk longer than its size")
      this.stage = "chunk-line"
    } else if (this.stage === "chunk-line") {
      const size = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(line)
      if (!size) throw new BadAnswer(`bad chunk size ${JSON.stringify(line.slice(0, 80))}`)
      this.left = Number.parseInt(size[1]!, 16)
      this.stage = this.left === 0 ? "trailers" : "chunk-data"
    } else if (line === "") this.stage = "done" // trailers are read past, not kept
  }

  private answer(): Answer {
    const body = this.body.length === 1 ? this.body[0]! : this.body.length === 0 ? EMPTY : Buffer.concat(this.body)
    return { statusCode: this.statusCode, reason: this.reason, headers: this.headers, body }
  }
}
