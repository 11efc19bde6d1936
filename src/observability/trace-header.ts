import { Tracer } from "effect"

/** Lambda's trace context for one invocation, as the X-Ray header carries it. */
export interface LambdaTraceContext {
  /** 32 hex digits: the X-Ray root without its version and dashes, as OpenTelemetry writes trace ids. */
  readonly traceId: string
  /** 16 hex digits: the span of Lambda's invocation segment, the parent of ours. */
  readonly parentSpanId: string
  /** Sampled=1. Sampled=0 and a deferred or missing decision are false, as in the X-Ray propagator. */
  readonly sampled: boolean
}

const ROOT = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/
const SPAN_ID = /^[0-9a-f]{16}$/
const ZEROS = /^0+$/

/**
 * Reads `Root=1-<8 hex time>-<24 hex>;Parent=<16 hex>;Sampled=<0|1|?>` (keys in any order, other
 * keys such as Lineage ignored). Without a valid Root and Parent there is nothing to link to:
 * undefined, as the OpenTelemetry X-Ray propagator then leaves the context empty.
 */
export const parseTraceHeader = (header: string | undefined): LambdaTraceContext | undefined => {
  if (!header) return undefined
  const fields = new Map<string, string>()
  for (const part of header.split(";")) {
    const at = part.indexOf("=")
    if (at > 0) fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim())
  }
  const root = ROOT.exec(fields.get("root")?.toLowerCase() ?? "")
  const parent = fields.get("parent")?.toLowerCase() ?? ""
  if (!root || !SPAN_ID.test(parent) || ZEROS.test(parent)) return undefined
  const traceId = `${root[1]}${root[2]}`
  if (ZEROS.test(traceId)) return undefined
  return { traceId, parentSpanId: parent, sampled: fields.get("sampled") === "1" }
}

/**
 * The parent span for an invocation's spans: Lambda's own, so that a collector places them under
 * the invocation. `alwaysSample` (OTEL_TRACES_SAMPLER=always_on) exports even when Lambda did not
 * sample; by default Lambda's decision is followed (parent-based sampling).
 */
export const lambdaParentSpan = (context: LambdaTraceContext, alwaysSample = false): Tracer.ExternalSpan =>
  Tracer.externalSpan({
    traceId: context.traceId,
    spanId: context.parentSpanId,
    sampled: alwaysSample || context.sampled
  })
