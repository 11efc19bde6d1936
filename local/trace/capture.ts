import { writeFileSync } from "node:fs"
import { type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.ts"
import { timelineSvg } from "./timeline-svg.ts"

/** The spans of one invocation: its root span (the handler's, named by its request id) and everything under it. */
export interface InvocationTrace {
  readonly root: ReceivedSpan
  readonly spans: ReadonlyArray<ReceivedSpan>
}

/** Groups spans by invocation (each invocation span with its descendants). */
export const invocationTraces = (spans: ReadonlyArray<ReceivedSpan>): Array<InvocationTrace> => {
  const children = new Map<string, Array<ReceivedSpan>>()
  for (const s of spans) if (s.parentSpanId) children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s])
  return spans.filter((s) => s.attributes["faas.invocation_id"] !== undefined).map((root) => {
    const all: Array<ReceivedSpan> = []
    const visit = (s: ReceivedSpan) => {
      all.push(s)
      for (const c of children.get(s.spanId) ?? []) visit(c)
    }
    visit(root)
    return { root, spans: all }
  })
}

const retries = (t: InvocationTrace) => t.spans.filter((s) => s.name === "backoff").length

/** The invocation worth a picture: the one with the most retries, then the most spans, then the longest. */
export const mostEventful = (traces: ReadonlyArray<InvocationTrace>): InvocationTrace | undefined =>
  [...traces].sort((a, b) =>
    retries(b) - retries(a) || b.spans.length - a.spans.length ||
    (b.root.endMs - b.root.startMs) - (a.root.endMs - a.root.startMs)
  )[0]

export const renderInvocation = (trace: InvocationTrace): string => {
  const attr = (
    k: string
  ) => (typeof trace.root.attributes[k] === "number" ? trace.root.attributes[k] as number : undefined)
  const stop = attr("batch.stop_unix_ms")
  const timeout = attr("lambda.deadline_unix_ms")
  return timelineSvg(trace.spans, {
    title: `invocation ${String(trace.root.attributes["faas.invocation_id"] ?? "")}: ${
      String(trace.root.attributes.records ?? "?")
    } records`,
    ...(stop === undefined ? {} : { deadlineMs: stop }),
    ...(timeout === undefined ? {} : { timeoutMs: timeout })
  })
}

/**
 * `bun run invoke --trace`: an embedded OTLP receiver the function exports to (every invocation
 * sampled and exported before it returns, since local environments are killed, not shut down),
 * and, at the end, the timeline of one invocation written as SVG.
 */
export const startTraceCapture = (options: { readonly followLambdaSampling?: boolean } = {}) => {
  const receiver = startOtlpReceiver()
  return {
    /**
     * For the function's environment. With `followLambdaSampling` (active tracing: Lambda sends its
     * decision) only the invocations Lambda sampled export spans, as on AWS; otherwise all of them.
     */
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: "0",
      ...(options.followLambdaSampling ? {} : { OTEL_TRACES_SAMPLER: "always_on" })
    },
    spans: receiver.spans,
    /** Writes the most eventful invocation's timeline to `path`; undefined when no span arrived. */
    write: (path: string) => {
      const trace = mostEventful(invocationTraces(receiver.spans()))
      if (!trace) return undefined
      writeFileSync(path, renderInvocation(trace))
      return { path, spans: trace.spans.length, invocations: invocationTraces(receiver.spans()).length }
    },
    stop: receiver.stop
  }
}
