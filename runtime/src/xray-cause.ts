import type { ErrorBody } from "./error-body.ts"

/** Lambda passes this header to X-Ray as the cause of a failed invocation's segment. */
export const XRAY_ERROR_CAUSE_HEADER = "lambda-runtime-function-xray-error-cause"

const MAX_MESSAGE_CHARS = 1024
const MAX_FRAMES = 50
const MAX_HEADER_BYTES = 32 * 1024

interface Frame {
  readonly path: string
  readonly line: number
  readonly label: string
}

/** "at label (path:line:column)" or "at path:line:column" → X-Ray's stack frame. */
const frame = (line: string): Frame => {
  const text = line.replace(/^at\s+/, "").replace(/[()]/g, "")
  const space = text.lastIndexOf(" ")
  const label = space >= 0 ? text.slice(0, space) : "anonymous"
  const location = (space >= 0 ? text.slice(space + 1) : text).split(":")
  const lineNumber = Number.parseInt(location[1] ?? "", 10)
  return { path: location[0] ?? "", line: Number.isFinite(lineNumber) ? lineNumber : 0, label: label || "anonymous" }
}

/** JSON.stringify, then every character outside ASCII as \uXXXX: still JSON, now a valid header value. */
const asciiJson = (value: unknown): string =>
  JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

/**
 * The `Lambda-Runtime-Function-XRay-Error-Cause` value the Node.js runtime sends with an invocation
 * error: working directory, the exception with its parsed stack, and the files it went through.
 */
export const xrayErrorCause = (error: ErrorBody, workingDirectory = process.cwd()): string => {
  const build = (frames: number) => {
    const stack = error.stackTrace.slice(0, frames).map(frame)
    return asciiJson({
      working_directory: workingDirectory,
      exceptions: [{ type: error.errorType, message: error.errorMessage.slice(0, MAX_MESSAGE_CHARS), stack }],
      paths: [...new Set(stack.map((f) => f.path))]
    })
  }
  const full = build(MAX_FRAMES)
  return full.length <= MAX_HEADER_BYTES ? full : build(0)
}
