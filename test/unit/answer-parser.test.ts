import { describe, expect, test } from "bun:test"
import { AnswerParser, BadAnswer } from "../../shared/http1/answer-parser.ts"

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
    expect(() => new AnswerParser().feed(bytes("HTTP/1.1 099 Odd\r\n\r\n"))).toThrow(BadAnswer)
    expect(() => new AnswerParser().feed(bytes("HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n"))).toThrow(BadAnswer)
    expect(() => new AnswerParser().feed(bytes("HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nab"))).toThrow(BadAnswer)
  })
  test("reads a head by index as the regular expressions read it: every status line and header line", () => {
    const head = (raw: string) => new AnswerParser().feed(bytes(`${raw}\r\ncontent-length: 0\r\n\r\n`))
    for (
      const bad of ["HTTP/2.0 200 OK", "HTTP/1.2 200 OK", "HTTP/1.1  200 OK", "HTTP/1.1 20 OK", "HTTP/1.1 2000 OK"]
    ) {
      expect(() => head(bad)).toThrow(BadAnswer)
    }
    for (
      const bad of ["HTTP/1.1 200OK", "HTTP/1.1 2x0 OK", "http/1.1 200 OK", "HTTP/1.1 200 O\rK", "HTTP/1.1 200 O\nK"]
    ) {
      expect(() => head(bad)).toThrow(BadAnswer)
    }
    expect(head("HTTP/1.0 200")!.reason).toBe("")
    expect(head("HTTP/1.1 404 ")!.reason).toBe("")
    expect(head("HTTP/1.1 503 Service  Unavailable")!).toMatchObject({
      statusCode: 503,
      reason: "Service  Unavailable"
    })
    // A line without a colon, or one starting with it, is not a header, even when a later line has one.
    for (const bad of ["HTTP/1.1 200 OK\r\nno-colon", "HTTP/1.1 200 OK\r\n: v", "HTTP/1.1 200 OK\r\nx\r\ny: 1"]) {
      expect(() => head(bad)).toThrow(BadAnswer)
    }
    const answer = head("HTTP/1.1 200 OK\r\nA:1\r\nb:  two \r\nA: 3\r\nEmpty:\r\nc: x:y\r\nLAST:\tz")!
    expect(answer.headers).toEqual({ a: "1, 3", b: "two", empty: "", c: "x:y", last: "z", "content-length": "0" })
  })

  test("header names lower-cased in every answer, the same name in any case, past the bound of names kept", () => {
    // 300 names of their own (more than the parser keeps lower-cased), each in two answers, in two cases.
    const names = Array.from({ length: 300 }, (_, i) => `X-Name-${i}`)
    for (const round of [0, 1]) {
      const head = names.map((n, i) => `${round ? n.toUpperCase() : n}: v${i}`).join("\r\n")
      const answer = new AnswerParser().feed(bytes(`HTTP/1.1 200 OK\r\n${head}\r\nContent-Length: 0\r\n\r\n`))!
      expect(Object.keys(answer.headers)).toEqual([...names.map((n) => n.toLowerCase()), "content-length"])
      expect(answer.headers["x-name-299"]).toBe("v299")
    }
    const repeated = new AnswerParser().feed(bytes("HTTP/1.1 204 No Content\r\nVary: a\r\nVARY: b\r\nvary: c\r\n\r\n"))!
    expect(repeated.headers).toEqual({ vary: "a, b, c" })
  })

  test("a body that came in one read is a view on that read, not a copy; over several reads, one joined copy", () => {
    const read = Buffer.from(SIZED)
    const answer = new AnswerParser().feed(read)!
    expect(answer.body.buffer).toBe(read.buffer)
    expect(text(answer.body)).toBe(`{"a":"é"}`)
    const parser = new AnswerParser()
    const first = Buffer.from(SIZED.slice(0, -3))
    parser.feed(first)
    const joined = parser.feed(Buffer.from(SIZED.slice(-3)))!
    expect(joined.body.buffer).not.toBe(first.buffer)
    expect(text(joined.body)).toBe(`{"a":"é"}`)
  })
})

// The parser keeps views on the reads (no copy of a body): that holds only while Bun hands every socket read a
// buffer of its own and does not write into it again. If a Bun upgrade reuses a read buffer, this fails.
describe("Bun's socket reads", () => {
  test("each read is a buffer of its own, unchanged by the reads after it", async () => {
    const kept: Array<{ view: Buffer; copy: Buffer }> = []
    const server = Bun.listen<undefined>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open: async (socket) => {
          for (let i = 0; i < 60; i++) {
            socket.write(Buffer.alloc(2000 + (i % 5) * 3000, 65 + (i % 26)))
            await Bun.sleep(0)
          }
          socket.end()
        },
        data: () => {}
      }
    })
    await new Promise<void>((done, fail) =>
      Bun.connect({
        hostname: "127.0.0.1",
        port: server.port,
        socket: {
          data: (_socket, chunk) => void kept.push({ view: chunk, copy: Buffer.from(chunk) }),
          close: () => done(),
          error: (_socket, error) => fail(error)
        }
      }).catch(fail)
    )
    server.stop(true)
    expect(kept.length).toBeGreaterThan(1)
    expect(new Set(kept.map((k) => k.view.buffer)).size).toBe(kept.length)
    expect(kept.filter((k) => !k.view.equals(k.copy))).toEqual([])
  }, 10_000)
})
