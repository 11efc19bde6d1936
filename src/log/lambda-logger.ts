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

const text = (message: unknown): string =>
  (Array.isArray(message) ? message : [message])
    .map((m) => (typeof m === "string" ? m : m instanceof Error ? `${m.name}: ${m.message}` : JSON.stringify(m)))
    .join(" ")

/**
 * One JSON object per line, as Lambda's JSON log format expects: timestamp, level, requestId,
 * message, then the log annotations (counts, message ids) and the error of a failure cause.
 */
const lambdaJsonLogger = (write: (line: string) => void) =>
  Logger.make(({ message, logLevel, cause, date, fiber }) => {
    const { requestId, ...annotations } = fiber.getRef(References.CurrentLogAnnotations) as Record<string, unknown>
    const error = cause.reasons.length > 0 ? Cause.squash(cause) : undefined
    write(JSON.stringify({
      timestamp: date.toISOString(),
      level: logLevel.toUpperCase(),
      requestId,
      message: text(message),
      ...annotations,
      ...(error instanceof Error
        ? { errorType: error.name, errorMessage: error.message }
        : error === undefined
        ? {}
        : { errorMessage: String(error) })
    }))
  })

export const LambdaLoggerLayer = (
  level: LogLevel.LogLevel,
  write: (line: string) => void = writeStdoutLine
) => Layer.mergeAll(Logger.layer([lambdaJsonLogger(write)]), Layer.succeed(References.MinimumLogLevel, level))
