import { Duration, Effect, Layer } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as OtlpExporter from "effect/observability/OtlpExporter"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import { batchedTracerLayer } from "./otlp-tracer.ts"
import { millis, otlpHeaders, TraceExport } from "./tracing.ts"

/** Effect's OTLP tracer (JSON over fetch) to `url`, and the TraceExport that flushes it (see tracingLayer). */
export const otlpLayer = (
  env: Readonly<Record<string, string | undefined>>,
  url: string,
  serviceName: string
): Layer.Layer<never> => {
  const delayMs = millis(env.OTEL_BSP_SCHEDULE_DELAY, 5_000)
  // OtlpTracer.layer's own composition, with spans converted when sent (see otlp-tracer.ts). The steps
  // a trace has nothing to say about are untraced where they are defined: they make no span at all.
  const exporter = batchedTracerLayer({
    url,
    headers: otlpHeaders(env),
    resource: {
      serviceName,
      attributes: { "cloud.provider": "aws", "cloud.platform": "aws_lambda", "faas.name": serviceName }
    },
    exportInterval: Duration.millis(delayMs === 0 ? 600_000 : delayMs),
    maxBatchSize: Math.max(1, millis(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, 512)),
    shutdownTimeout: Duration.seconds(1)
  }).pipe(
    Layer.provideMerge(OtlpExporter.layerFlusher),
    Layer.provide(Layer.mergeAll(OtlpSerialization.layerJson, FetchHttpClient.layer))
  )
  const flush = Layer.effect(
    TraceExport,
    Effect.map(OtlpExporter.Flusher, (flusher) => ({
      flush: flusher.flush,
      flushEachInvocation: delayMs === 0,
      alwaysSample: env.OTEL_TRACES_SAMPLER?.toLowerCase() === "always_on"
    }))
  )
  return flush.pipe(Layer.provideMerge(exporter))
}
