import { describe, expect, test } from "bun:test"
import { errorBody, headerSafe, MAX_ERROR_MESSAGE_CHARS } from "../../../runtime/src/error-body.ts"

describe("errorBody", () => {
  test("an Error: its name, message and stack lines after the first", () => {
    const body = errorBody(new TypeError("bad"))
    expect(body.errorType).toBe("TypeError")
    expect(body.errorMessage).toBe("bad")
    expect(body.stackTrace[0]).toMatch(/^at /)
  })

  test("non-Error values by type and text, as the Node.js runtime", () => {
    expect(errorBody("text")).toEqual({ errorType: "string", errorMessage: "text", stackTrace: [] })
    expect(errorBody(42)).toEqual({ errorType: "number", errorMessage: "42", stackTrace: [] })
    expect(errorBody(null)).toEqual({ errorType: "null", errorMessage: "null", stackTrace: [] })
    expect(errorBody(Symbol("s"))).toEqual({ errorType: "symbol", errorMessage: "Symbol(s)", stackTrace: [] })
    expect(errorBody({ a: 1 })).toEqual({ errorType: "object", errorMessage: "{\"a\":1}", stackTrace: [] })
  })

  test("hostile values never make it throw", () => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    const getters = {
      get name(): string {
        throw new Error("x")
      },
      get message(): string {
        throw new Error("x")
      },
      get stack(): string {
        throw new Error("x")
      }
    }
    const proxy = new Proxy({}, {
      get: () => {
        throw new Error("trap")
      },
      getPrototypeOf: () => {
        throw new Error("trap")
      }
    })
    for (const value of [circular, getters, proxy, Object.create(null), 10n, () => 1, undefined]) {
      const body = errorBody(value)
      expect(typeof body.errorType).toBe("string")
      expect(typeof body.errorMessage).toBe("string")
    }
    expect(errorBody(circular).errorMessage).toBe("[object Object]")
  })

  test("a huge message is truncated, saying so", () => {
    const body = errorBody(new Error("m".repeat(MAX_ERROR_MESSAGE_CHARS + 10)))
    expect(body.errorMessage.length).toBeLessThan(MAX_ERROR_MESSAGE_CHARS + 100)
    expect(body.errorMessage).toEndWith("[truncated 10 characters]")
  })

  test("an Error-like object counts as an error (name, message, stack all strings)", () => {
    expect(errorBody({ name: "Fake", message: "m", stack: "Fake: m\n    at x" })).toEqual({
      errorType: "Fake",
      errorMessage: "m",
      stackTrace: ["at x"]
    })
  })
})

describe("headerSafe", () => {
  test("printable ASCII stays, everything else is percent-encoded UTF-8; the result is a valid header value", () => {
    expect(headerSafe("Runtime.HandlerNotFound")).toBe("Runtime.HandlerNotFound")
    expect(headerSafe("Bad\nName")).toBe("Bad%0AName")
    expect(headerSafe("处理")).toBe("%E5%A4%84%E7%90%86")
    expect(headerSafe("50%")).toBe("50%25")
    expect(headerSafe("\uD800")).toBe("%EF%BF%BD")
    expect(headerSafe("")).toBe("Unknown")
    for (const name of ["\u0000\u007f", "é", "💥", "a\r\nb"]) {
      expect(() => new Headers({ x: headerSafe(name) })).not.toThrow()
    }
  })
})
