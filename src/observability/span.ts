import { Effect, type Tracer } from "effect"

/**
 * `Effect.withSpan` without the stack trace it captures by default: one `new Error()` per span, which
 * with the JIT tiers this runtime switches off costs more than the span. Steps are named, so the
 * name says where a span comes from.
 */
export const step = (
  name: string,
  options: { readonly attributes?: Record<string, unknown>; readonly kind?: Tracer.SpanKind } = {}
) => Effect.withSpan(name, options, { captureStackTrace: false })
