import type * as Real from "@smithy/node-http-handler"

// Stands in for @smithy/node-http-handler in the Bun bundles. The SDK clients import it at load
// for their default transport, and it loads node:http, node:https and node:http2: about 13 ms of a
// Bun cold start. Our clients bring their own handler (fetch), so the real module is loaded only
// if something asks for a Node.js handler.

let real: typeof Real | undefined
const load = (): typeof Real => (real ??= require("@smithy/node-http-handler") as typeof Real)

type Options = ConstructorParameters<typeof Real.NodeHttpHandler>[0]
type Handler = { readonly handle: unknown }
const isHandler = (u: unknown): u is Handler => typeof (u as Handler | undefined)?.handle === "function"

/** `create` hands back a handler it is given, as the real one does, without loading anything. */
export class NodeHttpHandler {
  static create(instanceOrOptions?: unknown) {
    return isHandler(instanceOrOptions)
      ? instanceOrOptions
      : load().NodeHttpHandler.create(instanceOrOptions as Options)
  }
  constructor(options?: Options) {
    return new (load().NodeHttpHandler)(options)
  }
}

export class NodeHttp2Handler {
  static create(instanceOrOptions?: unknown) {
    return isHandler(instanceOrOptions)
      ? instanceOrOptions
      : load().NodeHttp2Handler.create(instanceOrOptions as ConstructorParameters<typeof Real.NodeHttp2Handler>[0])
  }
  constructor(options?: ConstructorParameters<typeof Real.NodeHttp2Handler>[0]) {
    return new (load().NodeHttp2Handler)(options)
  }
}

// The real module re-exports these from @smithy/core (a test checks they are the same).
export { streamCollector } from "@smithy/core/serde"
export const DEFAULT_REQUEST_TIMEOUT = 0
