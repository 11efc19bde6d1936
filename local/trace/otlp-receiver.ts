/**
 * A local OTLP/HTTP traces receiver (JSON encoding, loopback only): what a collector would get from
 * the function, kept in memory for `bun run invoke --trace` and the tests.
 */

type AnyValue = {
  stringValue?: string
  boolValue?: boolean
  intValue?: string | number
  doubleValue?: number
  arrayValue?: { values?: Array<AnyValue> }
}
interface KeyValue {
  key: string
  value: AnyValue
}
interface OtlpJsonSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind?: number
  startTimeUnixNano: string | number
  endTimeUnixNano: string | number
  attributes?: Array<KeyValue>
  events?: Array<{ name: string; timeUnixNano: string | number; attributes?: Array<KeyValue> }>
  status?: { code?: number; message?: string }
}
interface OtlpJsonTraces {
  resourceSpans?: Array<
    { resource?: { attributes?: Array<KeyValue> }; scopeSpans?: Array<{ spans?: Array<OtlpJsonSpan> }> }
  >
}

export interface ReceivedSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  readonly kind: number
  /** Milliseconds since the epoch, with sub-millisecond fractions. */
  readonly startMs: number
  readonly endMs: number
  readonly attributes: Readonly<Record<string, unknown>>
  readonly events: ReadonlyArray<
    { readonly name: string; readonly timeMs: number; readonly attributes: Readonly<Record<string, unknown>> }
  >
  /** 0 unset, 1 ok, 2 error. */
  readonly status: number
  readonly resource: Readonly<Record<string, unknown>>
}

const valueOf = (v: AnyValue | undefined): unknown => {
  if (v === undefined) return undefined
  if (v.stringValue !== undefined) return v.stringValue
  if (v.boolValue !== undefined) return v.boolValue
  if (v.intValue !== undefined) return Number(v.intValue)
  if (v.doubleValue !== undefined) return v.doubleValue
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(valueOf)
  return undefined
}

const attributesOf = (kvs: Array<KeyValue> | undefined): Record<string, unknown> =>
  Object.fromEntries((kvs ?? []).map((kv) => [kv.key, valueOf(kv.value)]))

// Nanoseconds since the epoch exceed 2^53: split before converting, keeping microseconds.
const nanosToMs = (nanos: string | number): number => {
  const n = BigInt(nanos)
  return Number(n / 1_000_000n) + Number(n % 1_000_000n) / 1_000_000
}

/** Flattens one OTLP/JSON export request into spans. */
const spansOf = (body: OtlpJsonTraces): Array<ReceivedSpan> =>
  (body.resourceSpans ?? []).flatMap((rs) => {
    const resource = attributesOf(rs.resource?.attributes)
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s): ReceivedSpan => ({
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId || undefined,
        name: s.name,
        kind: s.kind ?? 0,
        startMs: nanosToMs(s.startTimeUnixNano),
        endMs: nanosToMs(s.endTimeUnixNano),
        attributes: attributesOf(s.attributes),
        events: (s.events ?? []).map((e) => ({
          name: e.name,
          timeMs: nanosToMs(e.timeUnixNano),
          attributes: attributesOf(e.attributes)
        })),
        status: s.status?.code ?? 0,
        resource
      }))
    )
  })

export interface OtlpReceiver {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT (the receiver answers on /v1/traces). */
  readonly url: string
  readonly spans: () => ReadonlyArray<ReceivedSpan>
  /** Export requests received, including rejected ones. */
  readonly requests: () => number
  readonly stop: () => Promise<void>
}

export const startOtlpReceiver = (): OtlpReceiver => {
  const spans: Array<ReceivedSpan> = []
  let requests = 0
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (request) => {
      requests++
      const path = new URL(request.url).pathname
      if (request.method !== "POST" || path !== "/v1/traces") return new Response("not found", { status: 404 })
      if (!(request.headers.get("content-type") ?? "").includes("application/json")) {
        return new Response("only OTLP/JSON is accepted here", { status: 415 })
      }
      try {
        spans.push(...spansOf(await request.json() as OtlpJsonTraces))
      } catch (e) {
        return new Response(`bad OTLP/JSON: ${e instanceof Error ? e.message : String(e)}`, { status: 400 })
      }
      return Response.json({})
    }
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    spans: () => spans,
    requests: () => requests,
    stop: () => server.stop(true)
  }
}
