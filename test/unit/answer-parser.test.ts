import { describe, expect, test } from "bun:test"
import { AnswerParser, BadAnswer } from "../../src/http/answer-parser.ts"

const bytes = (text: string) => new Uint8Array(Buffer.from(text, "utf8"))
const text = (body: Uint8Array) => new TextDecoder().decode(body)

const SIZED =
  "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Crc32: 1\r\ncontent-length: 10\r\n\r\n{\"a\":\"é\"}"
const CHUNKED =
  "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n{\"a\"\r\n8\r\n:\"éé\"}\r\n0\r\nx-trailer: t\r\n\r\n"

describe("AnswerParser", () => {
  test("reads an answer however the reads split it: status, headers by lower-case name, body as bytes", () => {
    for (const [raw, status, body] of [[SIZED, 200, `{"a":"é"}`], [CHUNKED, 400, `{"a":"éé"}`]] as const) {
      const all = bytes(raw)
      for (let cut = 1; cut < all.length; cut++) {
        const parser = new AnswerParser()
        expect(parser.feed(all.slice(0, cut))).toBeUndefined()
        const answer = parser.feed(all.slice(cut))!
        expect(answer.statusCode).toBe(status)
        expect(text(answer.body)).toBe(body)
        expect(parser.reusable).toBe(true)
      }
    }
    const answer = new AnswerParser().feed(bytes(SIZED))!
    expect(answer.headers).toEqual({
      "content-type": "application/x-amz-json-1.0",
      "x-amz-crc32": "1",
      "content-length": "10"
    })
    expect(answer.reason).toBe("OK")
  })

  test("skips a 100 Continue; a body to the end of the connection is read at its end, not reusable", () => {
    const parser = new AnswerParser()
    expect(parser.feed(bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nconnection: close\r\n\r\nabc")))
      .toBeUndefined()
    const answer = parser.end()!
    expect(text(answer.body)).toBe("abc")
    expect(parser.reusable).toBe(false)
  })

  test("refuses what is not HTTP, a bad length, and bytes after the answer", () => {
    expect(() => new AnswerParser().feed(bytes("SSH-2.0-x\r\n\r\n"))).toThrow(BadAnswer)
    expect(() => new AnswerParser().feed(bytes("HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n"))).toThrow(BadAnswer)
    expect(() => new AnswerParser().feed(bytes("HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nab"))).toThrow(BadAnswer)
  })
})
