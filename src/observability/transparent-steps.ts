import { type Context, type Exit, type Option, Tracer } from "effect"

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

/**
 * Steps that are exported only when something happens under them: a request (a span of the tracer's
 * below, through transparent steps), an attribute, an event, or a failure. The rounds call `park`
 * for the DLQ after every kind of work, mostly with nothing to park: 4 empty spans per invocation.
 */
export const LAZY_STEPS: ReadonlySet<string> = new Set(["park"])

type SpanOptions = Parameters<Tracer.Tracer["span"]>[0]

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

/**
 * Made in place of a lazy step's span: becomes the tracer's span (with its own start time) the first
 * time something happens under or to it; ended without that and without failing, it leaves nothing.
 */
class LazySpan implements Tracer.Span {
  readonly _tag = "Span"
  status: Tracer.SpanStatus
  private real: Tracer.Span | undefined = undefined
  constructor(private readonly options: SpanOptions, private readonly inner: Tracer.Tracer) {
    this.status = { _tag: "Started", startTime: options.startTime }
  }
  get name() {
    return this.options.name
  }
  get parent() {
    return this.options.parent
  }
  get annotations() {
    return this.options.annotations
  }
  get sampled() {
    return this.options.sampled
  }
  get kind() {
    return this.options.kind
  }
  get links() {
    return this.real?.links ?? this.options.links
  }
  get attributes() {
    return this.real?.attributes ?? new Map<string, unknown>()
  }
  // Whoever asks for the ids will refer to this span: it must be exported.
  get spanId() {
    return this.materialize().spanId
  }
  get traceId() {
    return this.materialize().traceId
  }
  materialize(): Tracer.Span {
    if (this.real === undefined) {
      materializeAbove(this.options.parent)
      this.real = this.inner.span(this.options)
    }
    return this.real
  }
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>) {
    if (this.status._tag === "Ended") return
    this.status = { _tag: "Ended", startTime: this.options.startTime, endTime, exit }
    if (this.real !== undefined || exit._tag === "Failure") this.materialize().end(endTime, exit)
  }
  attribute(key: string, value: unknown) {
    this.materialize().attribute(key, value)
  }
  event(name: string, startTime: bigint, attributes?: Record<string, unknown>) {
    this.materialize().event(name, startTime, attributes)
  }
  addLinks(links: ReadonlyArray<Tracer.SpanLink>) {
    this.materialize().addLinks(links)
  }
}

/** A span of the tracer's will hang below `parent`: the lazy steps above it, through transparent ones, are kept. */
const materializeAbove = (parent: Option.Option<Tracer.AnySpan>) => {
  let span = parent._tag === "Some" ? parent.value : undefined
  while (span instanceof TransparentSpan || span instanceof LazySpan) {
    if (span instanceof LazySpan) return void span.materialize()
    span = span.parent._tag === "Some" ? span.parent.value : undefined
  }
}

/**
 * `inner` without the spans named in `steps`, whose children hang from their parent instead, and with
 * the spans named in `lazy` exported only when something happens under or to them.
 */
export const withoutSteps = (
  inner: Tracer.Tracer,
  steps: ReadonlySet<string> = TRANSPARENT_STEPS,
  lazy: ReadonlySet<string> = LAZY_STEPS
): Tracer.Tracer =>
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
        if (lazy.has(options.name)) return new LazySpan(options, inner)
      }
      materializeAbove(options.parent)
      return inner.span(options)
    },
    context: inner.context
  })
