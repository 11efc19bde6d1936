import { writeSync } from "node:fs"
import { errorBody, isErrorLike, MAX_ERROR_MESSAGE_CHARS, safeString, splitStack } from "./error-body.ts"

let util: typeof import("node:util") | undefined

/**
 * util.format, as Node's console: node:util is loaded on the first line that needs it (~2 ms of a
 * cold start otherwise). Plain strings with no % in the first need no formatting, only spaces.
 */
export const format = (...args: ReadonlyArray<unknown>): string => {
  const plain = args.every((a) => typeof a === "string") && !(args[0] as string | undefined)?.includes("%")
  return plain ? args.join(" ") : (util ??= require("node:util") as typeof import("node:util")).format(...args)
}

export type Level = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL"
const ORDER: Record<Level, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 }

export interface LogSettings {
  readonly format: "Text" | "JSON"
  readonly minimum: Level
}

/** What a log line says about the invocation it belongs to. */
export interface LogScope {
  readonly requestId: string
  readonly tenantId?: string | undefined
}

/** As the Node.js runtime: an unset or unknown AWS_LAMBDA_LOG_LEVEL logs every level. */
export const logSettingsFromEnv = (env: Record<string, string | undefined> = process.env): LogSettings => {
  const level = env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()
  return {
    format: env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === "JSON" ? "JSON" : "Text",
    minimum: level && level in ORDER ? (level as Level) : "TRACE"
  }
}

const constructorName = (error: Error): string => {
  try {
    return error.constructor?.name ?? "UnknownError"
  } catch {
    return "UnknownError"
  }
}

/** Errors as the Node.js runtime writes them in JSON lines: by constructor name, with their own fields. */
const jsonErrorReplacer = (_key: string, value: unknown) =>
  value instanceof Error
    ? {
      errorType: constructorName(value),
      errorMessage: value.message,
      stackTrace: splitStack(value.stack) ?? value.stack,
      ...value
    }
    : value

const jsonLine = (time: string, level: Level, scope: LogScope | undefined, args: ReadonlyArray<unknown>): string => {
  const line: Record<string, unknown> = { timestamp: time, level, requestId: scope?.requestId }
  if (scope?.tenantId) line.tenantId = scope.tenantId
  if (args.length === 1) {
    // One argument is logged as a value (objects stay objects), as the Node.js runtime does.
    line.message = args[0]
    try {
      return JSON.stringify(line, jsonErrorReplacer)
    } catch {
      line.message = format(args[0])
      return JSON.stringify(line)
    }
  }
  line.message = format(...args)
  const error = args.find((a): a is Error => a instanceof Error)
  if (error) {
    line.errorType = constructorName(error)
    line.errorMessage = error.message
    line.stackTrace = splitStack(error.stack) ?? []
  }
  return JSON.stringify(line)
}

/** Formats one console call as the Node.js managed runtime does, as a single line (\n becomes \r). */
export const formatLogLine = (
  settings: LogSettings,
  level: Level,
  scope: LogScope | undefined,
  args: ReadonlyArray<unknown>,
  now = new Date()
): string => {
  const time = now.toISOString()
  let line: string
  try {
    line = settings.format === "Text"
      ? `${time}\t${scope?.requestId ?? "undefined"}\t${level}\t${format(...args)}`
      : jsonLine(time, level, scope, args)
  } catch (e) {
    // A value whose inspection throws (hostile Proxy, throwing getter) still leaves a line.
    const described = args.map((a) => errorBody(a).errorMessage).join(" ")
    line = settings.format === "Text"
      ? `${time}\t${scope?.requestId ?? "undefined"}\t${level}\t${described}`
      : JSON.stringify({
        timestamp: time,
        level,
        requestId: scope?.requestId,
        message: described,
        formatError: safeString(e)
      })
  }
  return `${line.replace(/\n/g, "\r")}\n`
}

/** Node's `Errors.toFormatted`: a tab, then the error as JSON with its enumerable fields and stack lines. */
const formattedError = (error: Error): string => {
  try {
    return `\t${
      JSON.stringify(error, (_k, v) => (v instanceof Error
        ? {
          errorType: v.name,
          errorMessage: v.message,
          code: (v as { code?: unknown }).code,
          ...v,
          ...(typeof v.stack === "string" ? { stack: splitStack(v.stack) } : {})
        }
        : v))
    }`
  } catch {
    return `\t${JSON.stringify(errorBody(error))}`
  }
}

/**
 * Node's `intoError`: Errors as they are, anything else wrapped in an Error of its text. An error
 * whose message or stack is huge is logged shortened, as it is reported (CloudWatch keeps 256 KB
 * of a log event anyway).
 */
const intoError = (thrown: unknown): Error => {
  if (!isErrorLike(thrown)) return new Error(typeof thrown === "string" ? thrown : errorBody(thrown).errorMessage)
  const body = errorBody(thrown)
  let message: unknown
  let stack: unknown
  try {
    message = thrown.message
    stack = thrown.stack
  } catch {
    return Object.assign(new Error(body.errorMessage), { name: body.errorType })
  }
  const tooLong = (v: unknown) => typeof v === "string" && v.length > MAX_ERROR_MESSAGE_CHARS
  if (!tooLong(message) && !tooLong(stack)) return thrown
  return Object.assign(new Error(body.errorMessage), {
    name: body.errorType,
    stack: `${body.errorType}: ${body.errorMessage.slice(0, 1024)}\n    ${body.stackTrace.join("\n    ")}`
  })
}

/**
 * Writes a whole line synchronously, as Node does on pipes: a line logged just before the process
 * exits is never lost, and a slow reader slows the writer instead of dropping lines.
 */
export const writeLineSync = (line: string, fd = 1): void => {
  const bytes = Buffer.from(line)
  let offset = 0
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset)
    } catch (e) {
      if ((e as { code?: string }).code !== "EAGAIN") return // stdout closed: nothing left to tell
      Bun.sleepSync(1)
    }
  }
}

export interface Logger {
  readonly settings: LogSettings
  log(level: Level, args: ReadonlyArray<unknown>): void
  /** `Invoke Error` / `Init Error` / `Uncaught Exception` lines, in the Node.js runtime's format. */
  logError(title: string, error: unknown): void
}

export const makeLogger = (
  settings: LogSettings,
  scope: () => LogScope | undefined,
  write: (line: string) => void = writeLineSync
): Logger => {
  const log = (level: Level, args: ReadonlyArray<unknown>) => {
    if (ORDER[level] < ORDER[settings.minimum]) return
    write(formatLogLine(settings, level, scope(), args))
  }
  return {
    settings,
    log,
    logError: (title, error) => {
      const asError = intoError(error)
      log("ERROR", settings.format === "JSON" ? [asError] : [title, formattedError(asError)])
    }
  }
}

/** Replaces console.* so every line carries timestamp, request id and level, filtered by level. */
export const installConsole = (logger: Logger): void => {
  const emit = (level: Level) => (...args: Array<unknown>) => logger.log(level, args)
  console.trace = emit("TRACE")
  console.debug = emit("DEBUG")
  console.log = emit("INFO")
  console.info = emit("INFO")
  console.warn = emit("WARN")
  console.error = emit("ERROR")
  ;(console as Console & { fatal?: unknown }).fatal = emit("FATAL")
}
