/**
 * Reads one HTTP/1.1 answer from the bytes of a connection, however they are split over reads: status,
 * headers, and a body framed by Content-Length, by chunked transfer coding (Lambda's Runtime API is Go's
 * net/http, which chunks any body it did not size, e.g. an event over 2 KB), or by the end of the
 * connection. Only what the Runtime API client needs: no request side, no compression, no upgrades.
 */

/** Reads a header by its lower-case name (fetch's Headers is one). */
export interface HeaderLookup {
  get(name: string): string | null
}

/** An answer's headers, by lower-case name; repeated headers joined with ", " as fetch's Headers does. */
export class AnswerHeaders implements HeaderLookup {
  private readonly values = new Map<string, string>()

  get(name: string): string | null {
    return this.values.get(name) ?? null
  }

  add(name: string, value: string): void {
    const before = this.values.get(name)
    this.values.set(name, before === undefined ? value : `${before}, ${value}`)
  }
}

export interface HttpAnswer {
  readonly status: number
  readonly headers: HeaderLookup
  readonly body: string
}

/** The server sent something that is not an HTTP/1.1 answer: nothing more can be read on that connection. */
export class MalformedAnswer extends Error {
  override name = "MalformedAnswer"
}

const enum Mode {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailer,
  UntilClose,
  Done
}

const CR = 13
const LF = 10
/** Far above any answer's head from the Runtime API (a few hundred bytes, 8 KB of client context at most). */
const MAX_HEAD_BYTES = 64 * 1024
const MAX_LINE_BYTES = 4096

const join = (a: Buffer | undefined, b: Buffer): Buffer => (a ? Buffer.concat([a, b]) : b)

export class AnswerReader {
  private mode = Mode.Head
  /** Bytes of an unfinished head or chunk-size/trailer line, kept across reads. */
  private partial: Buffer | undefined
  private status = 0
  private headers = new AnswerHeaders()
  private closes = false
  private remaining = 0
  private readonly parts: Array<Buffer> = []
  /** The body, when it came whole in one read. */
  private text: string | undefined
  /** Whether any byte of the answer arrived (a connection lost before that can be retried). */
  received = false
  /** The server said it closes the connection after this answer, or the body runs until it does. */
  get reusable(): boolean {
    return !this.closes && this.mode !== Mode.UntilClose
  }

  /** Takes the next bytes; returns the answer once complete. Bytes after the answer are a protocol error. */
  push(chunk: Buffer): HttpAnswer | undefined {
    if (chunk.length > 0) this.received = true
    let at = 0
    while (at < chunk.length) {
      switch (this.mode) {
        case Mode.Head: {
          if (this.partial) {
            const bytes = join(this.partial, chunk.subarray(at))
            const end = bytes.indexOf("\r\n\r\n")
            if (end < 0) {
              this.keep(bytes, MAX_HEAD_BYTES)
              return undefined
            }
            at += end + 4 - this.partial.length
            this.partial = undefined
            this.head(bytes.toString("latin1", 0, end))
            break
          }
          const end = chunk.indexOf("\r\n\r\n", at)
          if (end < 0) {
            this.keep(chunk.subarray(at), MAX_HEAD_BYTES)
            return undefined
          }
          this.head(chunk.toString("latin1", at, end))
          at = end + 4
          break
        }
        case Mode.Length:
        case Mode.ChunkData: {
          const take = Math.min(this.remaining, chunk.length - at)
          if (this.mode === Mode.Length && take === this.remaining && this.parts.length === 0) {
            this.text = chunk.toString("utf8", at, at + take) // the whole body in this read: no copy
          } else this.parts.push(take === chunk.length ? chunk : chunk.subarray(at, at + take))
          at += take
          this.remaining -= take
          if (this.remaining === 0) this.mode = this.mode === Mode.Length ? Mode.Done : Mode.ChunkEnd
          break
        }
        case Mode.UntilClose:
          this.parts.push(chunk.subarray(at))
          at = chunk.length
          break
        case Mode.ChunkSize:
        case Mode.ChunkEnd:
        case Mode.Trailer: {
          const lf = chunk.indexOf(LF, at)
          if (lf < 0) {
            this.keep(join(this.partial, chunk.subarray(at)), MAX_LINE_BYTES)
            return undefined
          }
          const line = join(this.partial, chunk.subarray(at, lf + 1))
          this.partial = undefined
          at = lf + 1
          this.line(line.toString("latin1", 0, line.length - (line.at(-2) === CR ? 2 : 1)))
          break
        }
        case Mode.Done:
          throw new MalformedAnswer("bytes after the end of the answer")
      }
      if (this.mode === Mode.Done) {
        if (at < chunk.length) throw new MalformedAnswer("bytes after the end of the answer")
        return this.answer()
      }
    }
    return this.mode === Mode.Done ? this.answer() : undefined
  }

  /** Keeps an unfinished head or line for the next read (a copy: the read's buffer is not ours to keep). */
  private keep(bytes: Buffer, max: number): void {
    if (bytes.length > max) throw new MalformedAnswer("answer head or chunk line too long")
    this.partial = Buffer.from(bytes)
  }

  /** The connection ended: the answer when its body runs until then; undefined when it was cut short. */
  end(): HttpAnswer | undefined {
    return this.mode === Mode.UntilClose ? this.answer() : undefined
  }

  private head(text: string): void {
    const lines = text.split("\r\n")
    const status = /^HTTP\/1\.[01] ([1-9]\d\d)(?: |$)/.exec(lines[0]!)
    if (!status) throw new MalformedAnswer(`not an HTTP/1.1 status line: ${JSON.stringify(lines[0]!.slice(0, 100))}`)
    this.status = Number(status[1])
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!
      const colon = line.indexOf(":")
      if (colon <= 0) throw new MalformedAnswer(`malformed header line: ${JSON.stringify(line.slice(0, 100))}`)
      // "Name: value" as servers write it needs no trimming; anything else is trimmed.
      const value = line.charCodeAt(colon + 1) === 32 && line.charCodeAt(colon + 2) > 32 &&
          line.charCodeAt(line.length - 1) > 32
        ? line.slice(colon + 2)
        : line.slice(colon + 1).trim()
      this.headers.add(line.slice(0, colon).toLowerCase(), value)
    }
    if (this.status < 200) { // 1xx: an interim answer, the real one follows
      this.headers = new AnswerHeaders()
      return
    }
    this.closes = /(?:^|,)\s*close\s*(?:,|$)/i.test(this.headers.get("connection") ?? "")
    const coding = this.headers.get("transfer-encoding")
    const length = this.headers.get("content-length")
    if (this.status === 204 || this.status === 304) this.mode = Mode.Done
    else if (coding !== null) this.mode = /(?:^|,)\s*chunked\s*$/i.test(coding) ? Mode.ChunkSize : Mode.UntilClose
    else if (length !== null) {
      if (!/^\d{1,15}$/.test(length)) throw new MalformedAnswer(`invalid Content-Length: ${length.slice(0, 100)}`)
      this.remaining = Number(length)
      this.mode = this.remaining === 0 ? Mode.Done : Mode.Length
    } else this.mode = Mode.UntilClose
  }

  private line(text: string): void {
    if (this.mode === Mode.ChunkEnd) {
      if (text !== "") throw new MalformedAnswer("chunk data longer than its size")
      this.mode = Mode.ChunkSize
    } else if (this.mode === Mode.ChunkSize) {
      const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(text)
      if (!size) throw new MalformedAnswer(`invalid chunk size line: ${JSON.stringify(text.slice(0, 100))}`)
      this.remaining = Number.parseInt(size[1]!, 16)
      this.mode = this.remaining === 0 ? Mode.Trailer : Mode.ChunkData
    } else if (text === "") this.mode = Mode.Done // the empty line that ends the (ignored) trailers
  }

  private answer(): HttpAnswer {
    this.mode = Mode.Done
    let body = this.text ??
      (this.parts.length === 1 ? this.parts[0]!.toString("utf8") : Buffer.concat(this.parts).toString("utf8"))
    if (body.charCodeAt(0) === 0xfeff) body = body.slice(1) // as fetch's text() does
    return { status: this.status, headers: this.headers, body }
  }
}
