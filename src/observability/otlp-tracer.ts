import { Cause, type Context, type Duration, Effect, Exit, type Option, Tracer } from "effect"
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
 */

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
  status: Tracer.SpanStatus
  private ids: { traceId: string; spanId: string } | undefined = undefined
  private attrs: Map<string, unknown> | undefined = undefined
  private evts: Array<readonly [string, bigint, Record<string, unknown> | undefined]> | undefined = undefined

  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly annotations: Context.Context<never>,
    readonly links: Array<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind,
    readonly sampled: boolean,
    private readonly push: (span: BatchedSpan) => void
  ) {
    this.status = { _tag: "Started", startTime }
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

  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    if (this.status._tag === "Ended") return
    this.status = {
      _tag: "Ended",
      startTime: this.status.startTime,
      endTime,
      exit: exit._tag === "Success" ? SUCCESS : exit
    }
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
    const status = this.status as Extract<Tracer.SpanStatus, { _tag: "Ended" }>
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
            timeUnixNano: String(status.endTime),
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
      startTimeUnixNano: String(status.startTime),
      endTimeUnixNano: String(status.endTime),
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

/** A tracer whose ended spans are batched by Effect's OTLP exporter and converted when the batch is sent. */
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
    exportInterval: options.exportInterval,
    maxBatchSize: options.maxBatchSize,
    body(spans: Array<BatchedSpan>) {
      const data = {
        resourceSpans: [{ resource, scopeSpans: [{ scope, spans: spans.map((span) => span.toOtlp()) }] }]
      } as unknown as TraceData
      return [serialization.traces(data), Effect.void]
    },
    shutdownTimeout: options.shutdownTimeout
  })
  const push = (span: BatchedSpan) => exporter.push(span)
  return Tracer.make({
    span: (o) => new BatchedSpan(o.name, o.parent, o.annotations, o.links, o.startTime, o.kind, o.sampled, push)
  })
})
