// Stands in for node:stream in the SDK's retry middleware (@smithy/core isStreamingPayload), whose
// only use is `request.body instanceof Readable`, asked of every request. Importing it loaded
// node:stream (a large JavaScript module in Bun, ~3 ms) at every cold start, although our
// requests' bodies are strings. This `Readable` answers instanceof the same, and loads node:stream
// only for a body that could be one: an object that is not bytes.

type StreamModule = typeof import("node:stream")

export const Readable = {
  [Symbol.hasInstance]: (value: unknown): boolean =>
    typeof value === "object" && value !== null && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer) &&
    value instanceof (require("node:stream") as StreamModule).Readable
}
