// Stands in for node:stream in the SDK's stream collector (@smithy/core serde/util-stream
// stream-collector.js), loaded by every client at init: its only use is `class Collector extends
// Writable`, for bodies that are Node.js streams. Our clients' fetch transport hands it web
// ReadableStreams, so node:stream (a large JavaScript module in Bun, ~3 ms) need not load at a
// cold start. This `Writable` can be extended like the real one: the first construction loads
// node:stream, puts the real prototype under this one, and builds the object with the real constructor.

type StreamModule = typeof import("node:stream")

let linked = false

export function Writable(this: unknown, ...args: Array<unknown>): object {
  if (!new.target) throw new TypeError("Class constructor Writable cannot be invoked without 'new'")
  const Real = (require("node:stream") as StreamModule).Writable
  if (!linked) {
    Object.setPrototypeOf(Writable.prototype, Real.prototype)
    linked = true
  }
  return Reflect.construct(Real, args, new.target) as object
}
