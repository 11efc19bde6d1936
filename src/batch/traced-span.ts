import { Effect, References } from "effect"
import { step } from "../observability/span.ts"

/**
 * The span `Effect.fn("name")` makes, for the functions every invocation calls (`Effect.fnUntraced(body,
 * ..., tracedSpan("name"))`, last so that the other pipeables run inside it, as Effect.fn's do): when
 * tracing is on, the same span (name, attributes, parent, children); when it is off (no OTLP endpoint, or
 * an invocation Lambda did not sample), none at all. Effect.fn makes a no-op span even then, and
 * captures a stack trace for each call: with the JIT tiers the layer switches off, that is about 20 µs per
 * call, where the function's own body is 1 to 2 (bench/hot-path-effect.ts); four to six of them run per
 * invocation. Nothing reads a no-op span: a span annotation then goes nowhere, as it did.
 */
export const tracedSpan = (name: string) => {
  const span = step(name)
  return <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.withFiber((fiber) => (fiber.getRef(References.TracerEnabled) ? span(effect) : effect))
}
