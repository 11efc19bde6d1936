import { Cause, Layer, Logger, type LogLevel, References } from "effect"
import { writeStdoutLine } from "./stdout-line.ts"

const LAMBDA_LEVELS: Record<string, LogLevel.LogLevel> = {
  TRACE: "Trace",
  DEBUG: "Debug",
  INFO: "Info",
  WARN: "Warn",
  ERROR: "Error",
  FATAL: "Fatal"
}

/** Lambda's AWS_LAMBDA_LOG_LEVEL names mapped to Effect's; unknown or unset means INFO. */
export const levelFromEnv = (value: string | undefined): LogLevel.LogLevel =>
  LAMBDA_LEVELS[value?.toUpperCase() ?? ""] ?? "Info"

// Lambda's level names, looked up rather than upper-cased per line.
const LINE_LEVELS: Record<string, string> = Object.fromEntries(
  Object.entries(LAMBDA_LEVELS).map(([lambda, effect]) => [effect, lambda])
)

const part = (m: unknown): string =>
  typeof m === "string" ? m : m instanceof Error ? `${m.name}: ${m.message}` : JSON.stringify(m)

// Effect hands the message as an array of what was logged: most often one string, taken as it is.
const text = (message: unknown): string =>
  !Array.isArray(message) ? part(message) : message.length === 1 ? part(message[0]) : message.map(part).join(" ")

/**
 * One JSON object per line, as Lambda's JSON log format expects: timestamp, level, requestId,
 * message, then the log annotations (counts, message ids) and the error of a failure cause.
 * The line's object is built field by field (no rest copy of the annotations, no spread of a
 * conditional object): it runs for every line, at least once per invocation.
 */
const lambdaJsonLogger = (write: (line: string) => void) =>
  Logger.make(({ message, logLevel, cause, date, fiber }) => {
    const annotations = fiber.getRef(References.CurrentLogAnnotations) as Record<string, unknown>
    const line: Record<string, unknown> = {
      timestamp: date.toISOString(),
      level: LINE_LEVELS[logLevel] ?? logLevel.toUpperCase(),
      requestId: annotations.requestId,
      message: text(message)
    }
    for (const key in annotations) if (key !== "requestId") line[key] = annotations[key]
    const error = cause.reasons.length > 0 ? Cause.squash(cause) : undefined
    if (error instanceof Error) {
      line.errorType = error.name
      line.errorMessage = error.message
    } else if (error !== undefined) line.errorMessage = String(error)
    write(JSON.stringify(line))
  })

export const LambdaLoggerLayer = (
  level: LogLevel.LogLevel,
  write: (line: string) => void = writeStdoutLine
) => Layer.mergeAll(Logger.layer([lambdaJsonLogger(write)]), Layer.succeed(References.MinimumLogLevel, level))
