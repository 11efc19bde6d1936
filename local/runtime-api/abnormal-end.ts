/** What the local Runtime API reports when an invocation does not end with the runtime's own answer. */

export interface ErrorPayload {
  readonly errorType: string
  readonly errorMessage: string
  readonly stackTrace?: ReadonlyArray<string>
}

/** The error a runtime posted (to /invocation/{id}/error or /init/error), or the raw body when it is not one. */
export const errorPayloadOf = (body: string): ErrorPayload => {
  try {
    const e = JSON.parse(body) as Partial<ErrorPayload>
    return {
      errorType: String(e.errorType ?? "Unknown"),
      errorMessage: String(e.errorMessage ?? ""),
      stackTrace: Array.isArray(e.stackTrace) ? e.stackTrace.map(String) : []
    }
  } catch {
    return { errorType: "Runtime.InvalidErrorBody", errorMessage: body }
  }
}

/** An invocation that ran out of time; Lambda's own wording. */
export const timeoutError = (requestId: string, timeoutMs: number): ErrorPayload => ({
  errorType: "Sandbox.Timedout",
  errorMessage: `${requestId} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`
})

/**
 * Why the runtime process ended during an invocation, as Lambda words it: killed by the memory limit
 * (the cgroup counted an OOM kill), or exited with its status.
 */
const runtimeExitError = (requestId: string, exitCode: number, outOfMemory: boolean): ErrorPayload =>
  outOfMemory
    ? {
      errorType: "Runtime.OutOfMemory",
      errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`
    }
    : {
      errorType: "Runtime.ExitError",
      errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: exit status ${exitCode}`
    }

/** How an invocation ended without an answer: its time ran out, or the runtime process ended. */
export type AbnormalEnd = "timeout" | { readonly exitCode: number; readonly outOfMemory: boolean }

/** An invocation's status and error when it ended without the runtime's answer. */
export const abnormalEnd = (
  end: AbnormalEnd,
  requestId: string,
  timeoutMs: number
): { readonly status: "timeout" | "crash"; readonly error: ErrorPayload } =>
  end === "timeout"
    ? { status: "timeout", error: timeoutError(requestId, timeoutMs) }
    : { status: "crash", error: runtimeExitError(requestId, end.exitCode, end.outOfMemory) }

/** A runtime that exited during init without posting /init/error. */
export const exitedDuringInit: ErrorPayload = {
  errorType: "Runtime.ExitError",
  errorMessage: "Runtime exited without providing a reason"
}
