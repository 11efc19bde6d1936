import { RuntimeError } from "./error-body.ts"

/** Lambda's limit for a synchronous response payload. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024

/** Serialises a handler's result as Lambda does (undefined becomes null), enforcing the 6 MB limit. */
export const serializeResponse = (result: unknown): string => {
  let body: string | undefined
  try {
    body = JSON.stringify(result === undefined ? null : result)
  } catch (e) {
    throw new RuntimeError("Runtime.SerializationError", `Unable to serialise the response: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (body === undefined) body = "null" // functions and symbols serialise to nothing
  const size = Buffer.byteLength(body, "utf8")
  if (size > MAX_RESPONSE_BYTES) {
    throw new RuntimeError("Runtime.ResponseSizeTooLarge", `Response payload size (${size} bytes) exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`)
  }
  return body
}
