import { describe, expect, test } from "bun:test"
import { type HttpAnswer, httpAnswer } from "../../../runtime/src/http-answer.ts"
import { AnswerParser, BadAnswer } from "../../../shared/http1/answer-parser.ts"

// The shared HTTP/1.1 client's parser (shared/http1/) as the runtime reads its answers: text bodies,
// headers looked up by lower-case name.

/** The parser under the name the runtime's tests give it: the runtime's view of what it read. */
class AnswerReader {
  private readonly parser = new AnswerParser()
  push(chunk: Buffer): HttpAnswer | undefined {
    const answer = this.parser.feed(chunk)
    return answer && httpAnswer(answer)
  }
  end(): HttpAnswer | undefined {
    const answer = this.parser.end()
    return answer && httpAnswer(answer)
  }
  get received(): boolean {
    return this.parser.started
  }
  get reusable(): boolean {
    return this.parser.reusable
  }
}

/** Feeds the bytes in the given pieces; returns the answer and after which piece it came. */
const read = (pieces: ReadonlyArray<Buffer>) => {
  const reader = new AnswerReader()
  for (let i = 0; i < pieces.length; i++) {
    const answer = reader.push(pieces[i]!)
    if (answer) return { answer, after: i, reader }
  }
  return { answer: undefined as HttpAnswer | undefined, after: -1, reader }
}

/** Every way of cutting the bytes in two, and one byte at a time. */
const splits = (text: string) => {
  const bytes = Buffer.from(text)
  const out: Array<Array<Buffer>> = [[bytes], [...bytes].map((b) => Buffer.from([b]))]
  for (let i = 1; i < bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)])
  return out
}

const NEXT = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: 8476a536\r\n" +
  "lambda-runtime-deadline-ms: 1542409706888\r\nLAMBDA-RUNTIME-TRACE-ID: Root=1-5bef4de7\r\nContent-Length: 18\r\n\r\n" +
  "{\"a\":\"é\",\"b\":[1]}"

describe("the Runtime API's answers, read by the shared parser", () => {
  test("a Content-Length answer, cut anywhere: same status, headers by lower-case name, UTF-8 body", () => {
    expect(Buffer.byteLength("{\"a\":\"é\",\"b\":[1]}")).toBe(18)
    for (const pieces of splits(NEXT)) {
      const { answer, after } = read(pieces)
      expect(after).toBe(pieces.length - 1)
      expect(answer!.status).toBe(200)
      expect(answer!.headers.get("lambda-runtime-aws-request-id")).toBe("8476a536")
      expect(answer!.headers.get("lambda-runtime-deadline-ms")).toBe("1542409706888")
      expect(answer!.headers.get("lambda-runtime-trace-id")).toBe("Root=1-5bef4de7")
      expect(answer!.headers.get("lambda-runtime-client-context")).toBeNull()
      expect(answer!.body).toBe("{\"a\":\"é\",\"b\":[1]}")
    }
  })

  test("a chunked answer (Go's net/http for a body it did not size), with extensions and trailers, cut anywhere", () => {
    const text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nLambda-Runtime-Aws-Request-Id: r\r\n\r\n" +
      "5\r\n{\"a\":\r\n8;ext=1\r\n\"ü\",\"b\"\r\n3\r\n:1}\r\n0\r\nX-Trailer: t\r\n\r\n"
    for (const pieces of splits(text)) {
      const { answer, after, reader } = read(pieces)
      expect(after).toBe(pieces.length - 1)
      expect(answer!.body).toBe("{\"a\":\"ü\",\"b\":1}")
      expect(reader.reusable).toBe(true)
    }
  })

  test("an interim 100 Continue is skipped; 202 with an empty body; 204 without a length", () => {
    expect(
      read([Buffer.from("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")]).answer
    )
      .toMatchObject({ status: 202, body: "" })
    expect(read([Buffer.from("HTTP/1.1 204 No Content\r\n\r\n")]).answer).toMatchObject({ status: 204, body: "" })
  })

  test("without a length, the body runs until the connection ends; Connection: close is not reusable", () => {
    const { answer, reader } = read([
      Buffer.from("HTTP/1.1 413 Too Large\r\n\r\n{\"errorType\":"),
      Buffer.from("\"x\"}")
    ])
    expect(answer).toBeUndefined()
    expect(reader.reusable).toBe(false)
    expect(reader.end()).toMatchObject({ status: 413, body: "{\"errorType\":\"x\"}" })
    const closing = read([Buffer.from("HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}")])
    expect(closing.answer!.body).toBe("{}")
    expect(closing.reader.reusable).toBe(false)
  })

  test("cut short: no answer at the end; repeated headers joined as fetch joins them", () => {
    const cut = read([Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"a\"")])
    expect(cut.answer).toBeUndefined()
    expect(cut.reader.received).toBe(true)
    expect(cut.reader.end()).toBeUndefined()
    const twice = read([Buffer.from("HTTP/1.1 200 OK\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 0\r\n\r\n")])
    expect(twice.answer!.headers.get("x-a")).toBe("1, 2")
  })

  test("the text view drops a leading BOM, as fetch's text() does, and decodes UTF-8 split across reads", () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("{\"a\":\"€\"}")])
    const head = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`)
    const all = Buffer.concat([head, body])
    for (let cut = head.length; cut < all.length; cut++) {
      expect(read([all.subarray(0, cut), all.subarray(cut)]).answer!.body).toBe("{\"a\":\"€\"}")
    }
  })

  test("large bodies over many reads are joined whole", () => {
    const body = JSON.stringify({ data: "x€".repeat(1_500_000) }) // ~6 MB of UTF-8
    const bytes = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
    const pieces: Array<Buffer> = []
    for (let i = 0; i < bytes.length; i += 65_536) pieces.push(bytes.subarray(i, i + 65_536))
    expect(read(pieces).answer!.body).toBe(body)
  })

  test("not HTTP, bad lengths, bad chunk sizes, bytes after the answer: BadAnswer", () => {
    const bad = [
      "SSH-2.0-OpenSSH\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}extra"
    ]
    for (const text of bad) expect(() => read([Buffer.from(text)])).toThrow(BadAnswer)
  })
})
