import { describe, expect, test } from "bun:test"
import { requestMessage } from "../../shared/http1/request-message.ts"

const text = ([message, bytes]: [string | Uint8Array, number]) => {
  const raw = typeof message === "string" ? Buffer.from(message) : Buffer.from(message)
  expect(raw.length).toBe(bytes)
  return raw.toString("utf8")
}

// The request's bytes as both sides write them: the runtime (its Host first, a text body) and the SDK (its own
// signed host and content-length, a body of bytes).
describe("requestMessage", () => {
  test("the headers as given, in order; Host and Content-Length added only where the caller set none", () => {
    expect(text(requestMessage("GET", "/next", { Host: "h:1" }, undefined, "h:1"))).toBe(
      "GET /next HTTP/1.1\r\nHost: h:1\r\n\r\n"
    )
    expect(text(requestMessage("POST", "/r", { "content-type": "application/json" }, "{\"ü\":1}", "h:1"))).toBe(
      "POST /r HTTP/1.1\r\ncontent-type: application/json\r\nhost: h:1\r\ncontent-length: 8\r\n\r\n{\"ü\":1}"
    )
    const signed = { host: "db:443", "Content-Length": "2", "x-amz-date": "20261128T000000Z" }
    expect(text(requestMessage("POST", "/", signed, new Uint8Array([123, 125]), "other"))).toBe(
      "POST / HTTP/1.1\r\nhost: db:443\r\nContent-Length: 2\r\nx-amz-date: 20261128T000000Z\r\n\r\n{}"
    )
  })

  test("a POST without a body says so (content-length: 0); a GET's body is not sent", () => {
    expect(text(requestMessage("POST", "/", {}, undefined, "h"))).toBe(
      "POST / HTTP/1.1\r\nhost: h\r\ncontent-length: 0\r\n\r\n"
    )
    expect(text(requestMessage("GET", "/", {}, "ignored", "h"))).toBe("GET / HTTP/1.1\r\nhost: h\r\n\r\n")
  })

  test("a line break or non-ASCII in a value, or a name that is not a token, is refused", () => {
    const bad: Array<Record<string, string>> = [{ a: "1\r\nb: 2" }, { a: "é" }, { "a b": "1" }, { "a:": "1" }, {
      "": "1"
    }]
    for (const headers of bad) {
      expect(() => requestMessage("POST", "/", headers, "{}", "h")).toThrow(TypeError)
    }
    expect(() => requestMessage("POST", "/", { a: "tab\tok ~" }, "{}", "h")).not.toThrow()
  })
})
