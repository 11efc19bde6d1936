import { Context, Effect, References, Tracer } from "effect"

/**
 * `Effect.withSpan` without the stack trace it captures by default: one `new Error()` per span, which
 * with the JIT tiers this runtime switches off costs more than the span. Steps are named, so the
 * name says where a span comes from.
 */
export const step = (
  name: string,
  options: {
    readonly attributes?: Record<string, unknown>
    readonly kind?: Tracer.SpanKind
    /** The span to hang it from when that is not the fiber's current span (a withLeafSpan's). */
    readonly parent?: Tracer.AnySpan | undefined
  } = {}
) => Effect.withSpan(name, options, { captureStackTrace: false })

const noStack = () => undefined

/**
 * The span `Effect.fn("name")` makes, for the functions every invocation calls (`Effect.fnUntraced(body,
 * ..., tracedSpan("name"))`, last so that the other pipeables run inside it, as Effect.fn's do): when
 * tracing is on, the same span (name, attributes, parent, children) and the same stack frame (the span's
 * name in a failure's stack); when it is off (no OTLP endpoint, or an invocation Lambda did not sample),
 * none at all. Effect.fn makes a no-op span even then, and captures a stack trace for each call: on
 * JavaScriptCore's baseline tier, that is about 20 µs per call, where the function's own body is 1 to 2
 * (bench/hot-path-effect.ts); four to six of them run per invocation. Nothing reads a no-op span: a span
 * annotation then goes nowhere, as it did.
 *
 * With tracing on it switches the fiber's context once per span where `Effect.withSpan` switches it
 * twice (the parent span, then the stack frame, each a new context whose fiber cache Effect rebuilds,
 * and each restored at the end): one context with both.
 */
export const tracedSpan = (name: string) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) =>
    fiber.getRef(References.TracerEnabled)
      ? Effect.useSpan(name, (span) =>
        Effect.updateContext(effect, (context: Context.Context<R>) =>
          Context.add(
            Context.add(context, Tracer.ParentSpan, span),
            References.CurrentStackFrame,
            { name, stack: noStack, parent: Context.get(context, References.CurrentStackFrame) }
          )))
      : effect
  )

/**
 * A span for a step below which no other span starts (`decodeSqsEvent`, an AWS request's `batchCall`): made,
 * timed and ended as tracedSpan's, under the same parent, but not made the fiber's current span. Switching the
 * fiber's context to a span (tracedSpan) costs a new context, Effect's rebuild of the fiber's context cache,
 * and a deeper context for every lookup below it (an AWS request makes many): for a step with no child span,
 * none of that says anything. Its attributes are given up front, as `Effect.annotateCurrentSpan` inside it
 * would annotate its parent. `f` receives the span (undefined when tracing is off), for a child span that
 * names it as its parent (`step(name, { parent })`). No span at all when tracing is off.
 */
export const withLeafSpan = <A, E, R>(
  name: string,
  attributes: () => Record<string, unknown>,
  f: (span: Tracer.Span | undefined) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) =>
    fiber.getRef(References.TracerEnabled)
      ? Effect.useSpan(name, { attributes: attributes() }, f)
      : f(undefined)
  )

const noAttributes = () => ({})

/** withLeafSpan as the last pipeable of `Effect.fnUntraced`, for a step with no attributes (tracedSpan's form). */
export const leafSpan = (name: string) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  withLeafSpan(name, noAttributes, () => effect)
