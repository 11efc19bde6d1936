import { Cause, type Context, Duration, Effect, Exit, Layer, type Option, References, Tracer } from "effect"
import * as Hex from "effect/encoding/Hex"
import type * as Headers from "effect/http/Headers"
import * as OtlpExporter from "effect/observability/OtlpExporter"
import { entriesToAttributes, fromConfig, type KeyValue } from "effect/observability/OtlpResource"
import { OtlpSerialization } from "effect/observability/OtlpSerialization"
import type { TraceData } from "effect/observability/OtlpTracer"
import * as Version from "effect/Version"

/**
 * Effect's OTLP tracer (`OtlpTracer.make`) converts each span to its OTLP form when the span ends and
 * keeps that form in the batch until the export, seconds later: per span a tree of objects that
 * outlives the young generation, which at 128 MB (a small heap, 7% of a vCPU) costs more than the
 * span itself. This one keeps the ended span as it is, with only what the export reads (a success
 * keeps no result value), and converts the whole batch when it is sent. Same OTLP JSON, same exporter.
 *
 * It also times its spans itself (see SpanClock), with Effect's own span timing switched off where
 * it is installed (`batchedTracerLayer`): Effect's clock gives each start and end as BigInt nanoseconds
 * (hrtime, the wall clock, and the skew between them, in BigInt arithmetic), which under the JIT tiers
 * the runtime switches off cost about as much as the rest of the span.
 */

/**
 * Unix time in milliseconds as a float (0.25 µs steps today): the monotonic clock, anchored to the wall
 * clock. The anchor is checked when a trace's first local span starts (once per invocation) and moved
 * when the two clocks drifted apart by more than 10 ms, as Effect's clock does beyond 1 s.
 */
export class SpanClock {
  private anchor = Date.now() - performance.now()
  now(): number {
    return this.anchor + performance.now()
  }
  /** Re-reads the wall clock; called as a trace's first local span starts. */
  check(): void {
    const anchor = Date.now() - performance.now()
    if (Math.abs(anchor - this.anchor) > 10) this.anchor = anchor
  }
}

/** Whole microseconds: exact in a double for the next two centuries. */
const micros = (ms: number) => Math.round(ms * 1000)
/** OTLP's unix nanoseconds, as the decimal string OTLP JSON writes (microsecond resolution). */
export const nanosText = (ms: number): string => `${micros(ms)}000`
const nanos = (ms: number): bigint => BigInt(micros(ms)) * 1000n

/** Span statuses with Effect's bigint times, made only when something reads them. */
class Started {
  readonly _tag = "Started"
  constructor(readonly startMs: number) {}
  get startTime(): bigint {
    return nanos(this.startMs)
  }
}
class Ended {
  readonly _tag = "Ended"
  constructor(readonly startMs: number, readonly endMs: number, readonly exit: Exit.Exit<unknown, unknown>) {}
  get startTime(): bigint {
    return nanos(this.startMs)
  }
  get endTime(): bigint {
    return nanos(this.endMs)
  }
}

interface OtlpEvent {
  readonly name: string
  readonly timeUnixNano: string
  readonly attributes: Array<KeyValue>
  readonly droppedAttributesCount: 0
}

const KIND: Record<Tracer.SpanKind, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 }
// What an ended span needs of a success: that it succeeded (not the value, which the batch would keep alive).
const SUCCESS: Exit.Exit<unknown, unknown> = Exit.void

class BatchedSpan implements Tracer.Span {
  readonly _tag = "Span"
  status: Started | Ended
  private ids: { traceId: string; spanId: string } | undefined = undefined
  private attrs: Map<string, unknown> | undefined = undefined
  private evts: Array<readonly [string, bigint, Record<string, unknown> | undefined]> | undefined = undefined

  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly annotations: Context.Context<never>,
    readonly links: Array<Tracer.SpanLink>,
    readonly kind: Tracer.SpanKind,
    readonly sampled: boolean,
    private readonly clock: SpanClock,
    private readonly push: (span: BatchedSpan) => void
  ) {
    this.status = new Started(clock.now())
  }

  get traceId(): string {
    return (this.ids ??= this.newIds()).traceId
  }

  get spanId(): string {
    return (this.ids ??= this.newIds()).spanId
  }

  private newIds() {
    return {
      traceId: this.parent._tag === "Some" ? this.parent.value.traceId : Hex.random(32),
      spanId: Hex.random(16)
    }
  }

  get attributes(): Map<string, unknown> {
    return this.attrs ??= new Map()
  }

  get events() {
    return this.evts ??= []
  }

  /** Effect's end time is ignored (0 with its span timing off): the span's own clock says when. */
  end(_endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    if (this.status._tag === "Ended") return
    this.status = new Ended(this.status.startMs, this.clock.now(), exit._tag === "Success" ? SUCCESS : exit)
    if (this.sampled) this.push(this)
  }

  attribute(key: string, value: unknown): void {
    if (this.status._tag !== "Ended") this.attributes.set(key, value)
  }

  event(name: string, startTime: bigint, attributes?: Record<string, unknown>): void {
    if (this.status._tag !== "Ended") this.events.push([name, startTime, attributes])
  }

  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    if (this.status._tag !== "Ended") this.links.push(...links)
  }

  /** The OTLP span, as Effect's OtlpTracer writes it. */
  toOtlp() {
    const status = this.status as Ended
    const attributes: Array<KeyValue> = this.attrs === undefined ? [] : entriesToAttributes(this.attrs)
    const events: Array<OtlpEvent> = (this.evts ?? []).map(([name, time, attrs]) => ({
      name,
      timeUnixNano: String(time),
      attributes: attrs ? entriesToAttributes(Object.entries(attrs)) : [],
      droppedAttributesCount: 0
    }))
    let code = 1
    let message: string | undefined
    if (status.exit._tag === "Failure") {
      if (Cause.hasInterruptsOnly(status.exit.cause)) {
        code = 0
        attributes.push({ key: "effect.fiber.interrupted", value: { boolValue: true } })
      } else {
        const errors = Cause.prettyErrors(status.exit.cause, { includeCauseInStack: true })
        if (errors.length > 0) {
          code = 2
          message = errors[0]!.message
        }
        for (const error of errors) {
          events.push({
            name: "exception",
            timeUnixNano: nanosText(status.endMs),
            droppedAttributesCount: 0,
            attributes: entriesToAttributes([
              ["exception.type", error.name],
              ["exception.message", error.message],
              ["exception.stacktrace", error.stack ?? "No stack trace available"]
            ])
          })
        }
      }
    }
    return {
      traceId: this.traceId.padStart(32, "0"),
      spanId: this.spanId,
      parentSpanId: this.parent._tag === "Some" ? this.parent.value.spanId : undefined,
      name: this.name,
      kind: KIND[this.kind] ?? 0,
      startTimeUnixNano: nanosText(status.startMs),
      endTimeUnixNano: nanosText(status.endMs),
      attributes,
      droppedAttributesCount: 0,
      events,
      droppedEventsCount: 0,
      status: message === undefined ? { code } : { code, message },
      links: this.links.map((link) => ({
        traceId: link.span.traceId.padStart(32, "0"),
        spanId: link.span.spanId,
        attributes: entriesToAttributes(Object.entries(link.attributes)),
        droppedAttributesCount: 0
      })),
      droppedLinksCount: 0
    }
  }
}

/** How often Effect's exporter wakes up on its own: rarely, as the tracer's timer exports (see below). */
const EXPORTER_BACKSTOP = Duration.hours(1)

/**
 * A tracer whose ended spans are batched by Effect's OTLP exporter and converted when the batch is sent.
 * The batch goes out `exportInterval` after its first span, as OpenTelemetry's batch processor starts its
 * timer only when a span is waiting: an environment whose invocations Lambda does not sample never
 * wakes up to export nothing (Effect's exporter, left to its own interval, wakes every interval).
 */
export const makeBatchedOtlpTracer = Effect.fnUntraced(function*(options: {
  readonly url: string
  readonly resource: { readonly serviceName: string; readonly attributes: Record<string, unknown> }
  readonly headers: Headers.Input
  readonly exportInterval: Duration.Duration
  readonly maxBatchSize: number
  readonly shutdownTimeout: Duration.Duration
}) {
  const resource = yield* fromConfig(options.resource)
  const serialization = yield* OtlpSerialization
  const scope = { name: "effect", version: Version.getCurrentVersion() }
  const exporter = yield* OtlpExporter.make({
    label: "OtlpTracer",
    url: options.url,
    headers: options.headers,
    exportInterval: EXPORTER_BACKSTOP,
    maxBatchSize: options.maxBatchSize,
    body(spans: Array<BatchedSpan>) {
      const data = {
        resourceSpans: [{ resource, scopeSpans: [{ scope, spans: spans.map((span) => span.toOtlp()) }] }]
      } as unknown as TraceData
      return [serialization.traces(data), Effect.void]
    },
    shutdownTimeout: options.shutdownTimeout
  })
  const flusher = yield* OtlpExporter.Flusher
  const run = Effect.runForkWith(yield* Effect.context<never>())
  const delayMs = Duration.toMillis(options.exportInterval)
  let timer: ReturnType<typeof setTimeout> | undefined
  const exportNow = () => {
    timer = undefined
    run(flusher.flush)
  }
  yield* Effect.addFinalizer(() => Effect.sync(() => clearTimeout(timer)))
  const push = (span: BatchedSpan) => {
    exporter.push(span)
    if (timer === undefined) {
      timer = setTimeout(exportNow, delayMs)
      // Never what keeps a process alive: the exporter's own finalizer sends what is left at shutdown.
      timer.unref?.()
    }
  }
  const clock = new SpanClock()
  return Tracer.make({
    span: (o) => {
      // A trace's first local span (the invocation's root): the moment to check the clock's anchor.
      if (o.parent._tag === "None" || o.parent.value._tag === "ExternalSpan") clock.check()
      return new BatchedSpan(o.name, o.parent, o.annotations, o.links, o.kind, o.sampled, clock, push)
    }
  })
})

/**
 * The batched tracer, with Effect's span timing off: its spans read their own clock, so Effect need
 * not compute BigInt times that they would ignore.
 */
export const batchedTracerLayer = (
  options: Parameters<typeof makeBatchedOtlpTracer>[0]
) =>
  Layer.merge(
    Layer.effect(Tracer.Tracer, makeBatchedOtlpTracer(options)),
    Layer.succeed(References.TracerTimingEnabled, false)
  )
