/**
 * Reads one HTTP/1.1 answer off a connection's bytes, however the reads split it: the status line, the
 * headers (by lower-case name, repeated ones joined with ", " as fetch's Headers joins them), and the body
 * as bytes, framed by Content-Length, by chunked transfer coding (DynamoDB chunks large answers; Lambda's
 * Runtime API, Go's net/http, chunks any body over its 2 KB buffer), or by the end of the connection.
 * What the runtime's Runtime API calls and the function's AWS calls need and no more: no compression, no
 * upgrades.
 *
 * Bun hands every read of a socket a buffer of its own (test/unit/answer-parser.test.ts checks it), so
 * the body is kept as views on the reads: an answer whose body came in one read is not copied at all.
 */

const isDigit = (c: number) => c >= 48 && c <= 57

/** `HTTP/1.0` or `HTTP/1.1`, a status code of three digits (100-999), then the end or a space and a reason. */
const isStatusLine = (head: string, eol: number): boolean =>
  head.startsWith("HTTP/1.") && (head.charCodeAt(7) === 48 || head.charCodeAt(7) === 49) &&
  head.charCodeAt(8) === 32 && head.charCodeAt(9) >= 49 && head.charCodeAt(9) <= 57 && isDigit(head.charCodeAt(10)) &&
  isDigit(head.charCodeAt(11)) && (eol === 12 || (eol > 12 && head.charCodeAt(12) === 32))

/** An answer; its shape is the AWS SDK's HttpResponse's (the runtime reads `bodyText` of it). */
export interface Answer {
  readonly statusCode: number
  readonly reason: string
  readonly headers: Record<string, string>
  readonly body: Buffer
}

/** Bytes that are not an HTTP/1.1 answer, or more bytes than the answer: the connection cannot be read on. */
export class BadAnswer extends Error {
  override readonly name = "InvalidHTTPResponse"
  readonly code = "InvalidHTTPResponse"
}

/** Far above an answer's head (AWS's: under 1 KB; the Runtime API's: 8 KB of client context at most). */
const MAX_HEAD = 64 * 1024
const MAX_LINE = 4096
const HEAD_END = Buffer.from("\r\n\r\n")

/**
 * Header names as keys, lower-cased: a server writes the same few names in every answer, so each is lower-cased
 * once and then found by its text (no new string per header, and the key is the one the headers object already
 * has). Bounded, so that a server inventing names cannot grow it (AWS's and Lambda's answers use a few dozen).
 */
const LOWER = new Map<string, string>()
const MAX_NAMES = 256
const lowerName = (raw: string): string => {
  let lower = LOWER.get(raw)
  if (lower === undefined) {
    if (LOWER.size >= MAX_NAMES) return raw.toLowerCase()
    // Kept as a copy of its own: a slice would keep the whole head it was cut from alive.
    const name = Buffer.from(raw, "latin1").toString("latin1")
    lower = name.toLowerCase()
    LOWER.set(name, lower)
  }
  return lower
}

type Stage = "head" | "sized" | "chunk-line" | "chunk-data" | "chunk-crlf" | "trailers" | "to-close" | "done"

export class AnswerParser {
  private stage: Stage = "head"
  /** An unfinished head or line, carried to the next read. */
  private carry: Buffer | undefined
  private statusCode = 0
  private reason = ""
  private headers: Record<string, string> = {}
  private left = 0
  private readonly body: Array<Buffer> = []
  private keepAlive = true
  /** Whether a byte of the answer has arrived: a connection lost before that never answered. */
  started = false

  /** Whether the connection can carry another request after this answer. */
  get reusable(): boolean {
    return this.keepAlive && this.stage === "done"
  }

  /** Feeds the next read (a buffer the parser may keep views on); the answer once it is complete. */
  feed(chunk: Uint8Array): Answer | undefined {
    if (chunk.length === 0) return undefined
    this.started = true
    let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
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
        this.body.push(bytes.subarray(at, at + take))
        this.left -= take
        if (this.left === 0) this.stage = this.stage === "sized" ? "done" : "chunk-crlf"
        return at + take
      }
      case "to-close":
        this.body.push(bytes.subarray(at))
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
    this.carry = bytes.subarray(at)
    return bytes.length
  }

  /**
   * The head (up to its blank line) read by index, not split into lines nor matched line by line: an answer's
   * head is new text each time (its request id, its date), so JavaScriptCore's caches of a split or match
   * never hit, and each array and match was an allocation per answer.
   */
  private readHead(head: string): void {
    let eol = head.indexOf("\r\n")
    if (eol < 0) eol = head.length
    const reason = eol > 13 ? head.slice(13, eol) : ""
    if (!isStatusLine(head, eol) || (reason !== "" && /[\r\n]/.test(reason))) {
      throw new BadAnswer(`not an HTTP/1.1 status line: ${JSON.stringify(head.slice(0, Math.min(eol, 80)))}`)
    }
    const headers: Record<string, string> = {}
    for (let at = eol + 2; at < head.length; at = eol + 2) {
      eol = head.indexOf("\r\n", at)
      if (eol < 0) eol = head.length
      const colon = head.indexOf(":", at)
      if (colon <= at || colon > eol) {
        throw new BadAnswer(`not a header line: ${JSON.stringify(head.slice(at, Math.min(eol, at + 80)))}`)
      }
      const name = lowerName(head.slice(at, colon))
      // "Name: value" as servers write it needs no trimming; anything else is trimmed.
      const value = head.charCodeAt(colon + 1) === 32 && head.charCodeAt(colon + 2) > 32 &&
          head.charCodeAt(eol - 1) > 32
        ? head.slice(colon + 2, eol)
        : head.slice(colon + 1, eol).trim()
      const before = headers[name]
      headers[name] = before === undefined ? value : `${before}, ${value}`
    }
    const code = (head.charCodeAt(9) - 48) * 100 + (head.charCodeAt(10) - 48) * 10 + head.charCodeAt(11) - 48
    if (code < 200) return // 100 Continue and the like: the real answer follows
    this.statusCode = code
    this.reason = reason
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

  /** A body's bytes are the caller's (the SDK re-prototypes them): an empty one is made anew, not shared. */
  private answer(): Answer {
    const body = this.body.length === 1
      ? this.body[0]!
      : this.body.length === 0
      ? Buffer.alloc(0)
      : Buffer.concat(this.body)
    return { statusCode: this.statusCode, reason: this.reason, headers: this.headers, body }
  }
}

/** The body as text, UTF-8 decoded without a copy of its bytes; a leading BOM dropped, as fetch's text() does. */
export const bodyText = (answer: Answer): string => {
  const text = answer.body.toString("utf8")
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}
