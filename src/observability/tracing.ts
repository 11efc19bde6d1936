import { Context, Duration, Effect, Layer, References } from "effect"
import { lambdaParentSpan, parseTraceHeader } from "./trace-header.ts"

/**
 * Where spans go, from the standard OpenTelemetry variables; undefined: tracing is off (also with
 * OTEL_TRACES_SAMPLER=always_off, which the specification defines as sampling nothing).
 */
export const otlpTracesUrl = (env: Readonly<Record<string, string | undefined>>): string | undefined => {
  if (
    env.OTEL_SDK_DISABLED?.toLowerCase() === "true" || env.OTEL_TRACES_EXPORTER?.toLowerCase() === "none" ||
    env.OTEL_TRACES_SAMPLER?.toLowerCase() === "always_off"
  ) {
    return undefined
  }
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim()
  if (traces) return traces
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()
  if (!base) return undefined
  return `${base.replace(/\/+$/, "")}/v1/traces`
}

/** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS: `key=value,key=value`, values percent-encoded. */
export const otlpHeaders = (env: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const text = env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS ?? ""
  return Object.fromEntries(
    text.split(",").flatMap((pair) => {
      const at = pair.indexOf("=")
      if (at <= 0) return []
      try {
        return [[pair.slice(0, at).trim(), decodeURIComponent(pair.slice(at + 1).trim())]]
      } catch {
        return []
      }
    })
  )
}

/** Present only when spans are exported. */
export interface TraceExportShape {
  /** Exports what is buffered; awaited at the end of each invocation only when `flushEachInvocation`. */
  readonly flush: Effect.Effect<void>
  readonly flushEachInvocation: boolean
  /** OTEL_TRACES_SAMPLER=always_on: export even the invocations Lambda did not sample. */
  readonly alwaysSample: boolean
}

export const TraceExport = Context.Reference<TraceExportShape | undefined>("observability/TraceExport", {
  defaultValue: () => undefined
})

export const millis = (value: string | undefined, fallback: number) => {
  const n = Number(value)
  return value !== undefined && value.trim() !== "" && Number.isInteger(n) && n >= 0 ? n : fallback
}

/**
 * With an OTLP endpoint: Effect's own OTLP tracer (JSON over fetch). Spans are batched as the
 * OpenTelemetry batch processor does: exported when 512 are waiting (OTEL_BSP_MAX_EXPORT_BATCH_SIZE)
 * or every 5 s (OTEL_BSP_SCHEDULE_DELAY), in the background of whichever invocation is running then,
 * and what is left when the environment shuts down (the runtime's SIGTERM). A frozen environment
 * simply exports on its next invocation. OTEL_BSP_SCHEDULE_DELAY=0 instead exports each
 * invocation's spans before it returns, which costs every invocation an export.
 * Without an endpoint: no tracer at all and spans switched off, so that tracing costs nothing.
 */
export const tracingLayer = (
  env: Readonly<Record<string, string | undefined>>,
  serviceName: string
): Layer.Layer<never> => {
  const url = otlpTracesUrl(env)
  if (url === undefined) return Layer.succeed(References.TracerEnabled, false)
  // Loaded only when traces are exported: a function without an endpoint neither reads nor evaluates it.
  return Layer.unwrap(
    Effect.promise(() => import("./otlp-export.ts")).pipe(Effect.map((m) => m.otlpLayer(env, url, serviceName)))
  )
}

/** The slice of an invocation tracing needs. */
export interface TracedInvocation {
  /** The invocation's X-Ray header, read when it starts (never once per cold start). */
  readonly traceHeader: string | undefined
  /** Time left before Lambda's timeout, to bound the flush. */
  readonly remainingMs: () => number
}

const FLUSH_LIMIT_MS = 250

/**
 * Places the invocation's spans under Lambda's, when the X-Ray header names one (the invocation's
 * own root span is its handler's, `handleEvent`); one that Lambda did not sample runs with tracing
 * off, so that it makes no span (unless OTEL_TRACES_SAMPLER=always_on). With
 * OTEL_BSP_SCHEDULE_DELAY=0, exports its spans before returning, waiting at most 250 ms and half the
 * time left.
 */
export const traceInvocation = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  invocation: TracedInvocation
): Effect.Effect<A, E, R> =>
  Effect.flatMap(TraceExport, (exporter): Effect.Effect<A, E, R> => {
    if (exporter === undefined) return effect
    const lambda = parseTraceHeader(invocation.traceHeader)
    // Lambda did not sample it: no span is made at all (Effect would make them, unexported, at a cost).
    // It still flushes below: spans made outside invocations (init's) go out with the next one.
    const linked = lambda && !lambda.sampled && !exporter.alwaysSample
      ? Effect.withTracerEnabled(effect, false)
      : lambda
      ? Effect.withParentSpan(effect, lambdaParentSpan(lambda, exporter.alwaysSample))
      : effect
    if (!exporter.flushEachInvocation) return linked
    const flush = Effect.suspend(() =>
      exporter.flush.pipe(
        Effect.timeoutOption(Duration.millis(Math.max(0, Math.min(FLUSH_LIMIT_MS, invocation.remainingMs() / 2))))
      )
    )
    return Effect.ensuring(linked, flush)
  })
