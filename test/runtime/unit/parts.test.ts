import { describe, expect, test } from "bun:test"
import { splitHandler } from "../../../runtime/src/handler-loader.ts"
import { MalformedInvocation, parseInvocation } from "../../../runtime/src/invocation.ts"
import { MAX_RESPONSE_BYTES, serializeResponse } from "../../../runtime/src/response.ts"
import { xrayErrorCause } from "../../../runtime/src/xray-cause.ts"

describe("splitHandler: the Node.js runtime's rules", () => {
  test("the module name ends at the first dot of the last path segment; nested paths stay", () => {
    expect(splitHandler("index.handler")).toEqual({ moduleRoot: "", module: "index", path: "handler" })
    expect(splitHandler("src/app.api.v1.handler")).toEqual({
      moduleRoot: "src/",
      module: "app",
      path: "api.v1.handler"
    })
    expect(splitHandler("a.b/c.d")).toEqual({ moduleRoot: "a.b/", module: "c", path: "d" })
  })

  test("no dot and any '..' are malformed", () => {
    expect(() => splitHandler("nodot")).toThrow("Bad handler")
    expect(() => splitHandler("../up.handler")).toThrow(/not a valid handler name/)
    expect(() => splitHandler("a..b")).toThrow(/not a valid handler name/)
  })
})

describe("parseInvocation", () => {
  const headers = (h: Record<string, string>) =>
    new Headers({ "lambda-runtime-aws-request-id": "r", "lambda-runtime-deadline-ms": "1700000000000", ...h })
  test("every header, raw JSON headers kept for the context", () => {
    const inv = parseInvocation(
      headers({
        "lambda-runtime-trace-id": "Root=1",
        "lambda-runtime-aws-tenant-id": "t",
        "lambda-runtime-client-context": "{bad"
      }),
      "{\"a\":1}"
    )
    expect(inv).toMatchObject({
      requestId: "r",
      deadlineMs: 1700000000000,
      traceId: "Root=1",
      tenantId: "t",
      clientContext: "{bad",
      event: { a: 1 }
    })
  })
  test("no request id, or an event that is not JSON, is a MalformedInvocation (with the id when known)", () => {
    expect(() => parseInvocation(new Headers(), "{}")).toThrow(MalformedInvocation)
    try {
      parseInvocation(headers({}), "{nope")
    } catch (e) {
      expect((e as MalformedInvocation).requestId).toBe("r")
    }
  })
})

describe("serializeResponse", () => {
  test("undefined is null; the limit is 6,291,556 bytes, counted in UTF-8", () => {
    expect(serializeResponse(undefined)).toBe("null")
    expect(serializeResponse(() => 1)).toBe("null")
    expect(serializeResponse("x".repeat(MAX_RESPONSE_BYTES - 2)).length).toBe(6_291_556)
    expect(() => serializeResponse("x".repeat(MAX_RESPONSE_BYTES - 1))).toThrow(
      /Response payload size \(6291557 bytes\)/
    )
    expect(() => serializeResponse("é".repeat(MAX_RESPONSE_BYTES / 2))).toThrow(/ResponseSizeTooLarge|exceeded/)
  })
})

describe("xrayErrorCause", () => {
  test("the Node.js runtime's shape, ASCII only so it is a valid header value", () => {
    const cause = xrayErrorCause({
      errorType: "处理",
      errorMessage: "m\n",
      stackTrace: ["at handler (/var/task/index.js:3:9)", "at /var/task/lib.js:10:2"]
    }, "/var/task")
    expect(cause).toMatch(/^[\x20-\x7e]+$/)
    expect(JSON.parse(cause)).toEqual({
      working_directory: "/var/task",
      exceptions: [{
        type: "处理",
        message: "m\n",
        stack: [{ path: "/var/task/index.js", line: 3, label: "handler" }, {
          path: "/var/task/lib.js",
          line: 10,
          label: "anonymous"
        }]
      }],
      paths: ["/var/task/index.js", "/var/task/lib.js"]
    })
  })
})
