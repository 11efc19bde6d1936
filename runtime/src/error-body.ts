/** The body Lambda expects on /invocation/{id}/error and /init/error. */
export interface ErrorBody {
  readonly errorType: string
  readonly errorMessage: string
  readonly stackTrace: ReadonlyArray<string>
}

/** Formats anything thrown, as the Node.js managed runtime does: Errors by name, other values by type. */
export const errorBody = (thrown: unknown, typeOverride?: string): ErrorBody => {
  if (thrown instanceof Error) {
    const stack = (thrown.stack ?? "").split("\n").slice(1).map((l) => l.trim()).filter((l) => l.length > 0)
    return { errorType: typeOverride ?? thrown.name ?? "Error", errorMessage: thrown.message, stackTrace: stack }
  }
  let message: string
  try {
    message = typeof thrown === "string" ? thrown : JSON.stringify(thrown) ?? String(thrown)
  } catch {
    message = String(thrown)
  }
  return { errorType: typeOverride ?? (thrown === null ? "null" : typeof thrown), errorMessage: message, stackTrace: [] }
}

/** An error raised by the runtime itself about a handler (bad response, missing export...). */
export class RuntimeError extends Error {
  constructor(readonly errorType: string, message: string) {
    super(message)
    this.name = errorType
  }
}
