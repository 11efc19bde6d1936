import { describe, expect, test } from "bun:test"
import { socketHostname } from "../../shared/http1/socket-hostname.ts"

describe("socketHostname", () => {
  test("an IPv6 address loses the brackets a URL writes it in", () => {
    expect(socketHostname("[::1]")).toBe("::1")
    expect(socketHostname("[fd00::a:1]")).toBe("fd00::a:1")
  })

  test("a name, an IPv4 address, or a half-bracketed host is left as it is", () => {
    for (const host of ["localhost", "dynamodb.us-east-1.amazonaws.com", "127.0.0.1", "[::1", "::1]", "[", "]"]) {
      expect(socketHostname(host)).toBe(host)
    }
  })

  test("the brackets alone leave nothing, as the URL parser's empty host", () => {
    expect(socketHostname("[]")).toBe("")
  })
})
