import { describe, expect, test } from "bun:test"
import { format as utilFormat } from "node:util"
import { format, formatLogLine, logSettingsFromEnv, makeLogger } from "../../../runtime/src/logging.ts"

const at = new Date("2026-11-27T10:00:00.000Z")
const text = { format: "Text", minimum: "TRACE" } as const
const json = { format: "JSON", minimum: "TRACE" } as const

describe("logSettingsFromEnv", () => {
  test("unset level logs everything (TRACE), as the Node.js runtime; format Text unless JSON", () => {
    expect(logSettingsFromEnv({})).toEqual({ format: "Text", minimum: "TRACE" })
    expect(logSettingsFromEnv({ AWS_LAMBDA_LOG_LEVEL: "warn", AWS_LAMBDA_LOG_FORMAT: "json" })).toEqual({
      format: "JSON",
      minimum: "WARN"
    })
    expect(logSettingsFromEnv({ AWS_LAMBDA_LOG_LEVEL: "nonsense" }).minimum).toBe("TRACE")
  })
})

describe("format", () => {
  test("is util.format: plain strings joined without loading node:util, everything else through it", () => {
    const cases: Array<Array<unknown>> = [
      [],
      [""],
      ["a"],
      ["a", "b c", ""],
      ["a\nb", "%s"],
      ["100%", "x"],
      ["%s=%d", "n", 42],
      ["%%", "x"],
      ["%o", { a: 1 }],
      [1, "a"],
      ["a", 1, null, undefined, { b: [1, 2] }],
      [new Error("boom")],
      [Symbol("s")]
    ]
    for (const args of cases) expect(format(...args)).toBe(utilFormat(...args))
  })
})

describe("formatLogLine", () => {
  test("text: timestamp, request id, level, util.format'ed message; newlines become \\r", () => {
    expect(formatLogLine(text, "INFO", { requestId: "r1" }, ["a %d\nb", 5], at)).toBe(
      "2026-11-27T10:00:00.000Z\tr1\tINFO\ta 5\rb\n"
    )
    expect(formatLogLine(text, "WARN", undefined, ["x"], at)).toBe("2026-11-27T10:00:00.000Z\tundefined\tWARN\tx\n")
  })

  test("JSON: one argument is the message as a value; tenantId when the invocation has one", () => {
    const line = JSON.parse(formatLogLine(json, "INFO", { requestId: "r1", tenantId: "t1" }, [{ a: 1 }], at))
    expect(line).toEqual({
      timestamp: "2026-11-27T10:00:00.000Z",
      level: "INFO",
      requestId: "r1",
      tenantId: "t1",
      message: { a: 1 }
    })
    expect(JSON.parse(formatLogLine(json, "INFO", { requestId: "r1" }, ["m"], at))).not.toHaveProperty("tenantId")
  })

  test("JSON: several arguments are formatted; the first Error gives errorType, errorMessage, stackTrace", () => {
    const line = JSON.parse(formatLogLine(json, "ERROR", { requestId: "r" }, ["failed:", new RangeError("oops")], at))
    expect(line.message).toStartWith("failed: RangeError: oops")
    expect(line).toMatchObject({ errorType: "RangeError", errorMessage: "oops" })
    expect(line.stackTrace[0]).toBe("RangeError: oops")
  })

  test("circular values and hostile values still make one line", () => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    const proxy = new Proxy({}, {
      get: () => {
        throw new Error("trap")
      },
      ownKeys: () => {
        throw new Error("trap")
      },
      getPrototypeOf: () => {
        throw new Error("trap")
      }
    })
    for (const settings of [text, json]) {
      for (const value of [circular, proxy]) {
        const line = formatLogLine(settings, "INFO", { requestId: "r" }, [value], at)
        expect(line.endsWith("\n")).toBe(true)
        expect(line.slice(0, -1)).not.toContain("\n")
      }
    }
  })
})

describe("makeLogger", () => {
  test("filters by level and writes Invoke Error as the Node.js runtime: text with the error as JSON", () => {
    const lines: Array<string> = []
    const logger = makeLogger(
      { format: "Text", minimum: "INFO" },
      () => ({ requestId: "r9" }),
      (l) => void lines.push(l)
    )
    logger.log("DEBUG", ["hidden"])
    logger.logError("Invoke Error", Object.assign(new Error("boom"), { code: "E1" }))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/\tr9\tERROR\tInvoke Error \t\{"errorType":"Error","errorMessage":"boom","code":"E1",/)
  })

  test("JSON Invoke Error: the error object as the message; non-Errors wrapped in an Error", () => {
    const lines: Array<string> = []
    const logger = makeLogger({ format: "JSON", minimum: "TRACE" }, () => undefined, (l) => void lines.push(l))
    logger.logError("Invoke Error", "plain text")
    expect(JSON.parse(lines[0]!).message).toMatchObject({ errorType: "Error", errorMessage: "plain text" })
  })
})
