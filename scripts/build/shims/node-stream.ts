import type * as Stream from "node:stream"

// Stands in for node:stream in the SDK modules that import it at load (@smithy/core: stream
// collectors, checksum streams, the streaming-payload check of every request). With the fetch
// transport, bodies are strings, bytes and web streams, so node:stream is loaded only when a
// Node.js stream turns up, or one of these classes is constructed or asked for a static member.
// Bun compiles its node:* modules at first use: node:stream costs several ms of a cold start.

type Name = "Readable" | "Writable" | "PassThrough"

let real: typeof Stream | undefined
const load = (): typeof Stream => (real ??= require("node:stream") as typeof Stream)

// Every Node.js stream has pipe(): anything else is no instance, and needs no loading to say so.
const mayBeStream = (u: unknown) => typeof (u as { pipe?: unknown } | null | undefined)?.pipe === "function"

/**
 * A class that becomes the real one when first used: subclasses declared at load (`extends`) get
 * the real prototype chain before their first instance is built; `instanceof` answers as the
 * real class would.
 */
const lazyClass = (name: Name) => {
  const realClass = () => load()[name] as unknown as new (...args: Array<unknown>) => object
  let linked = false
  const link = () => {
    if (linked) return
    Object.setPrototypeOf(Lazy.prototype, realClass().prototype)
    Object.setPrototypeOf(Lazy, realClass())
    linked = true
  }
  class Lazy {
    constructor(...args: Array<unknown>) {
      link()
      return Reflect.construct(realClass(), args, new.target)
    }
    static [Symbol.hasInstance](this: unknown, u: unknown): boolean {
      if (!mayBeStream(u)) return false
      link()
      return this === proxy ? u instanceof realClass() : Function.prototype[Symbol.hasInstance].call(this, u)
    }
  }
  const proxy: typeof Lazy = new Proxy(Lazy, {
    get(target, key, receiver) {
      if (key === "prototype" || key in target) return Reflect.get(target, key, receiver)
      link()
      return Reflect.get(realClass(), key)
    }
  })
  return proxy
}

export const Readable = lazyClass("Readable") as unknown as typeof Stream.Readable
export const Writable = lazyClass("Writable") as unknown as typeof Stream.Writable
export const PassThrough = lazyClass("PassThrough") as unknown as typeof Stream.PassThrough
