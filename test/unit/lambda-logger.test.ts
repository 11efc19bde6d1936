import { describe, expect, test } from "bun:test"
import { Cause, Effect } from "effect"
import { LambdaLoggerLayer, levelFromEnv } from "../../src/log/lambda-logger.ts"

const capture = (level: Parameters<typeof LambdaLoggerLayer>[0], program: Effect.Effect<void>) => {
  const lines: Array<Record<string, unknown>> = []
  Effect.runSync(program.pipe(Effect.provide(LambdaLoggerLayer(level, (l) => void lines.push(JSON.parse(l))))))
  return lines
}

describe("Lambda JSON logger", () => {
  test("one JSON object per line with timestamp, level, requestId, message and annotations", () => {
    const [line] = capture(
      "Info",
      Effect.logInfo("hello\nworld").pipe(Effect.annotateLogs({ requestId: "r-1", added: 3 }))
    )
    expect(line).toMatchObject({ level: "INFO", requestId: "r-1", message: "hello\nworld", added: 3 })
    expect(new Date(line!.timestamp as string).toString()).not.toBe("Invalid Date")
  })

  test("the level filters; AWS_LAMBDA_LOG_LEVEL names map to Effect levels", () => {
    expect(
      capture(levelFromEnv("WARN"), Effect.all([Effect.logInfo("no"), Effect.logWarning("yes")], { discard: true }))
        .map((l) => l.message)
    ).toEqual(["yes"])
    expect(capture(levelFromEnv("debug"), Effect.logDebug("shown"))).toHaveLength(1)
    expect(levelFromEnv(undefined)).toBe("Info")
    expect(levelFromEnv("nonsense")).toBe("Info")
  })

  test("a failure cause is logged with its error type and message", () => {
    const [withCause, withError] = capture(
      "Info",
      Effect.all([
        Effect.logError("failed", Cause.fail(new TypeError("bad input"))),
        Effect.logError("failed", new RangeError("too big"))
      ], { discard: true })
    )
    expect(withCause).toMatchObject({
      level: "ERROR",
      message: "failed",
      errorType: "TypeError",
      errorMessage: "bad input"
    })
    expect(withError).toMatchObject({ level: "ERROR", message: "failed RangeError: too big" })
  })

  test("the line's fields in order: timestamp, level, requestId, message, annotations, then the error", () => {
    const raw: Array<string> = []
    Effect.runSync(
      Effect.logWarning("parked", 7, { k: "v" }, Cause.fail(new TypeError("bad"))).pipe(
        Effect.annotateLogs({ added: 3, requestId: "r-2", nested: { a: [1] } }),
        Effect.provide(LambdaLoggerLayer("Info", (l) => void raw.push(l)))
      )
    )
    const [line] = raw
    expect(Object.keys(JSON.parse(line!))).toEqual([
      "timestamp",
      "level",
      "requestId",
      "message",
      "added",
      "nested",
      "errorType",
      "errorMessage"
    ])
    expect(JSON.parse(line!)).toMatchObject({
      level: "WARN",
      requestId: "r-2",
      message: "parked 7 {\"k\":\"v\"}",
      added: 3,
      nested: { a: [1] },
      errorType: "TypeError",
      errorMessage: "bad"
    })
  })

  test("without a requestId annotation the line has none; a plain value is its message", () => {
    const [line] = capture("Info", Effect.logInfo({ n: 1 }))
    expect(line).not.toHaveProperty("requestId")
    expect(line).toMatchObject({ level: "INFO", message: "{\"n\":1}" })
  })
})
