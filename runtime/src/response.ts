import { errorBody, RuntimeError } from "./error-body.ts"

/** Lambda's limit for a synchronous response payload (6 MiB + 100 bytes, as the Runtime API enforces it). */
export const MAX_RESPONSE_BYTES = 6_291_556

/** Serialises a handler's result as Lambda does (undefined becomes null), enforcing the size limit. */
export const serializeResponse = (result: unknown): string => {
  let body: string | undefined
  try {
    body = JSON.stringify(result === undefined ? null : result)
  } catch (e) {
    throw new RuntimeError(
      "Runtime.SerializationError",
      `Unable to serialise the response: ${errorBody(e).errorMessage}`
    )
  }
  if (body === undefined) body = "null" // functions and symbols serialise to nothing
  const size = Buffer.byteLength(body, "utf8")
  if (size > MAX_RESPONSE_BYTES) {
    throw new RuntimeError(
      "Runtime.ResponseSizeTooLarge",
      `Response payload size (${size} bytes) exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`
    )
  }
  return body
}
