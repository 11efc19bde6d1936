/** The body Lambda expects on /invocation/{id}/error and /init/error. */
export interface ErrorBody {
  readonly errorType: string
  readonly errorMessage: string
  readonly stackTrace: ReadonlyArray<string>
}

/** Caps that keep an error report far below the Runtime API's payload limit, whatever was thrown. */
export const MAX_ERROR_MESSAGE_CHARS = 256 * 1024
const MAX_STACK_LINES = 100
const MAX_TYPE_CHARS = 256

/** Reads a property without letting a throwing getter or a Proxy trap escape. */
const read = (value: object, key: string): unknown => {
  try {
    return (value as Record<string, unknown>)[key]
  } catch {
    return undefined
  }
}

const truncate = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max)}... [truncated ${text.length - max} characters]`

/** String(value) that never throws (Symbols, objects whose toString throws or returns a non-string). */
export const safeString = (value: unknown): string => {
  try {
    const text = String(value)
    return typeof text === "string" ? text : Object.prototype.toString.call(value)
  } catch {
    try {
      return Object.prototype.toString.call(value)
    } catch {
      return "[unprintable value]"
    }
  }
}

/** Node's test for an Error-like value: a native Error, or name, message and stack all strings. */
export const isErrorLike = (value: unknown): value is Error => {
  try {
    if (value instanceof Error) return true
  } catch {
    return false // a Proxy whose getPrototypeOf trap throws
  }
  if (typeof value !== "object" || value === null) return false
  return typeof read(value, "name") === "string" && typeof read(value, "message") === "string" &&
    typeof read(value, "stack") === "string"
}

/** A stack trace's lines, first line included; undefined when the stack is not a string. */
export const splitStack = (stack: unknown): Array<string> | undefined =>
  typeof stack === "string" ? stack.split("\n") : undefined

/** The stack lines after the first (which repeats name and message), trimmed. */
const stackLines = (error: object): Array<string> => {
  const lines = splitStack(read(error, "stack")) ?? []
  return lines.slice(1).map((l) => l.trim()).filter((l) => l.length > 0).slice(0, MAX_STACK_LINES)
}

/**
 * Formats anything thrown as the Node.js runtime does: Error-likes by name, message and stack, other
 * values by type and text. Never throws, whatever the value (throwing getters, Proxies, Symbols,
 * circular objects, huge messages).
 */
export const errorBody = (thrown: unknown, typeOverride?: string): ErrorBody => {
  try {
    return describe(thrown, typeOverride)
  } catch {
    // Only reachable through values built to defeat every guard above; the report must still go out.
    return {
      errorType: typeOverride ?? "Runtime.UnprintableError",
      errorMessage: "the thrown value could not be described",
      stackTrace: []
    }
  }
}

const describe = (thrown: unknown, typeOverride?: string): ErrorBody => {
  if (isErrorLike(thrown)) {
    const name = read(thrown, "name")
    const message = read(thrown, "message")
    return {
      errorType: truncate(
        typeOverride ?? (typeof name === "string" && name.length > 0 ? name : "Error"),
        MAX_TYPE_CHARS
      ),
      errorMessage: truncate(typeof message === "string" ? message : safeString(message), MAX_ERROR_MESSAGE_CHARS),
      stackTrace: stackLines(thrown)
    }
  }
  let message: string
  if (typeof thrown === "string") message = thrown
  else {
    try {
      message = typeof thrown === "object" && thrown !== null
        ? JSON.stringify(thrown) ?? safeString(thrown)
        : safeString(thrown)
    } catch {
      message = safeString(thrown) // circular, BigInt inside, throwing toJSON...
    }
  }
  return {
    errorType: typeOverride ?? (thrown === null ? "null" : typeof thrown),
    errorMessage: truncate(message, MAX_ERROR_MESSAGE_CHARS),
    stackTrace: []
  }
}

/**
 * `Lambda-Runtime-Function-Error-Type` as a valid header value: fetch refuses control characters and
 * anything outside Latin-1, so every character outside printable ASCII is percent-encoded (as the
 * Node.js runtime does for DEL). The body keeps the name as it was.
 */
export const headerSafe = (value: string): string => {
  let out = ""
  for (const char of value.slice(0, MAX_TYPE_CHARS)) {
    const code = char.codePointAt(0)!
    if (code >= 0x20 && code < 0x7f && char !== "%") out += char
    else out += encodeURIComponent(char === "%" ? "%" : char.isWellFormed() ? char : "\uFFFD")
  }
  return out.length > 0 ? out : "Unknown"
}

/** An error raised by the runtime itself about a handler (bad response, missing export...). */
export class RuntimeError extends Error {
  constructor(readonly errorType: string, message: string) {
    super(message)
    this.name = errorType
  }
}
