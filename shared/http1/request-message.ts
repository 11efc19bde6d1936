/** A request's body as a connection sends it. */
export type RequestBody = string | Uint8Array | null | undefined

/**
 * A request's bytes: the request line, the headers as given (the SDK's are signed: kept name for name, in
 * order), then a Host (`host`) or Content-Length the caller did not set, then the body. Returns the message
 * and its length in bytes. A header name that is not a token, or a value with a line break or anything
 * outside printable ASCII, is refused before anything is sent (fetch refuses them too): no header injection.
 */
export const requestMessage = (
  method: string,
  target: string,
  headers: Record<string, string>,
  body: RequestBody,
  host: string
): [string | Uint8Array, number] => {
  const bodied = method !== "GET" && method !== "HEAD"
  const sent = bodied ? body ?? undefined : undefined
  let head = `${method} ${target} HTTP/1.1\r\n`
  let hasHost = false
  let hasLength = false
  for (const name in headers) {
    const value = headers[name]!
    if (/[^\t\x20-\x7e]/.test(value) || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
      throw new TypeError(`invalid header ${JSON.stringify(name)}: ${JSON.stringify(value)}`)
    }
    const lower = name.length === 4 || name.length === 14 ? name.toLowerCase() : ""
    if (lower === "host") hasHost = true
    else if (lower === "content-length") hasLength = true
    head += `${name}: ${value}\r\n`
  }
  if (!hasHost) head += `host: ${host}\r\n`
  const bodyBytes = sent === undefined ? 0 : typeof sent === "string" ? Buffer.byteLength(sent) : sent.byteLength
  if (!hasLength && bodied) head += `content-length: ${bodyBytes}\r\n`
  head += "\r\n"
  // The head is ASCII (names and values checked above): its length is its byte count.
  if (bodyBytes === 0) return [head, head.length]
  if (typeof sent === "string") return [head + sent, head.length + bodyBytes]
  return [Buffer.concat([Buffer.from(head, "latin1"), sent!]), head.length + bodyBytes]
}
