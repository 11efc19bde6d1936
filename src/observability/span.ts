import { Effect, References, type Tracer } from "effect"

/**
 * `Effect.withSpan` without the stack trace it captures by default: one `new Error()` per span, which
 * with the JIT tiers this runtime switches off costs more than the span. Steps are named, so the
 * name says where a span comes from.
 */
export const step = (
  name: string,
  options: { readonly attributes?: Record<string, unknown>; readonly kind?: Tracer.SpanKind } = {}
) => Effect.withSpan(name, options, { captureStackTrace: false })

/**
 * The span `Effect.fn("name")` makes, for the functions every invocation calls (`Effect.fnUntraced(body,
 * ..., tracedSpan("name"))`, last so that the other pipeables run inside it, as Effect.fn's do): when
 * tracing is on, the same span (name, attributes, parent, children); when it is off (no OTLP endpoint, or
 * an invocation Lambda did not sample), none at all. Effect.fn makes a no-op span even then, and
 * captures a stack trace for each call: on JavaScriptCore's baseline tier, that is about 20 µs per
 * call, where the function's own body is 1 to 2 (bench/hot-path-effect.ts); four to six of them run per
 * invocation. Nothing reads a no-op span: a span annotation then goes nowhere, as it did.
 */
export const tracedSpan = (name: string) => {
  const span = step(name)
  return <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.withFiber((fiber) => (fiber.getRef(References.TracerEnabled) ? span(effect) : effect))
}
