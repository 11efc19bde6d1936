import { Context, Effect, Layer, Metric } from "effect"
import { writeStdoutLine } from "../log/stdout-line.ts"
import { emfDocuments } from "./emf.ts"
import type { MetricsConfigShape } from "./metrics-config.ts"
import * as M from "./metrics.ts"

export interface MetricsOutputShape {
  readonly namespace: string
  /** FunctionName and the configured dimensions. */
  readonly dimensions: Readonly<Record<string, string>>
  /** Writes one log line; on Lambda, stdout is the function's log stream. */
  readonly write: (line: string) => void
}

/** Where the invocation's EMF line goes; by default nowhere (metrics off, and unit tests). */
const MetricsOutput = Context.Reference<MetricsOutputShape | undefined>("observability/MetricsOutput", {
  defaultValue: () => undefined
})

/** EMF on stdout as configured, FunctionName first; nothing when METRICS_ENABLED=false. */
export const metricsLayer = (
  config: MetricsConfigShape,
  functionName: string,
  // Synchronous, as the log lines: no node:stream (process.stdout) loaded by the first invocation.
  write: (line: string) => void = writeStdoutLine
) =>
  config.enabled
    ? Layer.succeed(MetricsOutput, {
      namespace: config.namespace,
      dimensions: { FunctionName: functionName, ...config.dimensions },
      write
    })
    : Layer.empty

/** What the handler knows at the end of an invocation. */
export interface InvocationSummary {
  readonly received: number
  /** Earliest SentTimestamp of the batch (ms since the epoch), if any record had one. */
  readonly oldestSentTimestamp: number | undefined
  readonly startedAt: number
  readonly added: number
  readonly found: number
  readonly notFound: number
  readonly deadLettered: number
  readonly handedBack: number
  readonly deadlineHit: boolean
  readonly coldStart: boolean
  readonly durationMs: number
}

/** Counts the invocation's outcome into its metrics (AWS requests and retries are counted where they happen). */
export const recordInvocation = (s: InvocationSummary): Effect.Effect<void> =>
  Effect.all([
    Metric.update(M.recordsReceived, s.received),
    Metric.update(M.recordsAdded, s.added),
    Metric.update(M.readsFound, s.found),
    Metric.update(M.readsNotFound, s.notFound),
    Metric.update(M.recordsDeadLettered, s.deadLettered),
    // Registers the counter at 0 when nothing was retried: a metric per invocation, never a gap.
    Metric.update(M.recordsRetried, 0),
    Metric.update(M.recordsHandedBack, s.handedBack),
    Metric.update(M.deadlineHits, s.deadlineHit ? 1 : 0),
    Metric.update(M.coldStarts, s.coldStart ? 1 : 0),
    Metric.update(M.invocationDuration, s.durationMs),
    ...(s.oldestSentTimestamp === undefined
      ? []
      : [Metric.update(M.oldestRecordAge, Math.max(0, s.startedAt - s.oldestSentTimestamp))])
  ], { discard: true })

/** Writes what this invocation counted as EMF: one line (100 metrics per line), the request id alongside. */
export const publishMetrics = (requestId: string): Effect.Effect<void> =>
  Effect.flatMap(MetricsOutput, (output) => {
    if (output === undefined) return Effect.void
    return Effect.map(Metric.snapshot, (snapshots) => {
      const documents = emfDocuments({
        namespace: output.namespace,
        dimensions: output.dimensions,
        metrics: M.metricValues(snapshots),
        timestamp: Date.now(),
        properties: { requestId }
      })
      for (const document of documents) output.write(JSON.stringify(document))
    })
  })
