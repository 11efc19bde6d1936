import { type Context, type Option, Tracer } from "effect"

/**
 * The handler's `Effect.fn` helpers that say nothing a trace does not already show: the batch engine
 * around the rounds, the store's and queues' fan-out around their requests, and the function making
 * a request's first attempt (the request's own span covers it; retries get spans of their own).
 * Each span costs CPU to make, convert and send, and a 128 MB function has 7% of a vCPU.
 */
const TRANSPARENT_STEPS: ReadonlySet<string> = new Set([
  "processBatch",
  "putAll",
  "getAll",
  "sendAll",
  "writeChunk",
  "readChunk",
  "sendChunk"
])

const NO_LINKS: Array<Tracer.SpanLink> = []

/**
 * Presents its parent's ids, so that its children are exported as its parent's; never exported itself.
 * Made for every call of a fan-out step, so it keeps only what it is given and reads its parent's ids
 * when asked (a child's export asks; nothing else does): no ids drawn, no Map, no closures per span.
 */
class TransparentSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly status: Tracer.SpanStatus
  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly annotations: Context.Context<never>,
    readonly sampled: boolean,
    readonly kind: Tracer.SpanKind,
    startTime: bigint,
    private readonly of: Tracer.AnySpan
  ) {
    this.status = { _tag: "Started", startTime }
  }
  get spanId() {
    return this.of.spanId
  }
  get traceId() {
    return this.of.traceId
  }
  get attributes() {
    return new Map<string, unknown>()
  }
  get links() {
    return NO_LINKS
  }
  // It records nothing.
  end() {}
  attribute() {}
  event() {}
  addLinks() {}
}

/** `inner` without the spans named in `steps`, whose children hang from their parent instead. */
export const withoutSteps = (inner: Tracer.Tracer, steps: ReadonlySet<string> = TRANSPARENT_STEPS): Tracer.Tracer =>
  Tracer.make({
    span(options) {
      if (options.parent._tag === "Some") {
        if (steps.has(options.name)) {
          return new TransparentSpan(
            options.name,
            options.parent,
            options.annotations,
            options.sampled,
            options.kind,
            options.startTime,
            options.parent.value
          )
        }
      }
      return inner.span(options)
    },
    context: inner.context
  })
