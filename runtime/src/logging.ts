import { format } from "node:util"

export type Level = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL"
const ORDER: Record<Level, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 }

export interface LogSettings {
  readonly format: "Text" | "JSON"
  readonly minimum: Level
}

export const logSettingsFromEnv = (env: Record<string, string | undefined> = process.env): LogSettings => {
  const level = env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()
  return {
    format: env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === "JSON" ? "JSON" : "Text",
    minimum: level && level in ORDER ? (level as Level) : "INFO" // TRACE, DEBUG, INFO, WARN, ERROR, FATAL
  }
}

/** Formats one console call as the Node.js managed runtime does, as a single line. */
export const formatLogLine = (settings: LogSettings, level: Level, requestId: string | undefined, args: ReadonlyArray<unknown>, now = new Date()): string => {
  const message = format(...args)
  if (settings.format === "Text") {
    // \r instead of \n keeps a multi-line message one CloudWatch log event.
    return `${now.toISOString()}\t${requestId ?? "undefined"}\t${level}\t${message.replace(/\n/g, "\r")}\n`
  }
  const error = args.find((a): a is Error => a instanceof Error)
  return `${JSON.stringify({
    timestamp: now.toISOString(),
    level,
    requestId,
    message: args.length === 1 && error ? error.message : message,
    ...(error ? { errorType: error.name, errorMessage: error.message, stackTrace: (error.stack ?? "").split("\n").slice(1).map((l) => l.trim()) } : {})
  })}\n`
}

/** Replaces console.* so every line carries timestamp, request id and level, filtered by level. */
export const installConsole = (settings: LogSettings, currentRequestId: () => string | undefined, write: (line: string) => void = (l) => void process.stdout.write(l)) => {
  const emit = (level: Level) => (...args: Array<unknown>) => {
    if (ORDER[level] < ORDER[settings.minimum]) return
    write(formatLogLine(settings, level, currentRequestId(), args))
  }
  console.trace = emit("TRACE")
  console.debug = emit("DEBUG")
  console.log = emit("INFO")
  console.info = emit("INFO")
  console.warn = emit("WARN")
  console.error = emit("ERROR")
  ;(console as Console & { fatal?: unknown }).fatal = emit("FATAL")
}
