import { Option, Tracer } from "effect"

/**
 * The handler's `Effect.fn` helpers that say nothing a trace does not already show: the batch engine
 * around the rounds, the store's and queues' fan-out around their requests, and the function making
 * a request's first attempt (the request's own span covers it; retries get spans of their own).
 * Each span costs CPU to make, convert and send, and a 128 MB function has 7% of a vCPU.
 */
export const TRANSPARENT_STEPS: ReadonlySet<string> = new Set([
  "processBatch",
  "putAll",
  "getAll",
  "sendAll",
  "writeChunk",
  "readChunk",
  "sendChunk"
])

type SpanOptions = Parameters<Tracer.Tracer["span"]>[0]

// Presents its parent's ids, so that its children are exported as its parent's; never exported itself.
const transparentSpan = (options: SpanOptions, parent: Tracer.AnySpan): Tracer.Span => ({
  _tag: "Span",
  name: options.name,
  spanId: parent.spanId,
  traceId: parent.traceId,
  parent: options.parent,
  annotations: options.annotations,
  status: { _tag: "Started", startTime: options.startTime },
  attributes: new Map(),
  links: [],
  sampled: options.sampled,
  kind: options.kind,
  end: () => {},
  attribute: () => {},
  event: () => {},
  addLinks: () => {}
})

/** `inner` without the spans named in `steps`: their children hang from their parent instead. */
export const withoutSteps = (inner: Tracer.Tracer, steps: ReadonlySet<string> = TRANSPARENT_STEPS): Tracer.Tracer =>
  Tracer.make({
    span(options) {
      return steps.has(options.name) && Option.isSome(options.parent)
        ? transparentSpan(options, options.parent.value)
        : inner.span(options)
    },
    context: inner.context
  })
