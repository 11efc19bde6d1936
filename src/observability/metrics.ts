import { Effect, Metric } from "effect"
import type { EmfUnit, MetricValue } from "./emf.ts"

/**
 * What one invocation counts, as Effect metrics. Each invocation runs with a registry of its own
 * (see `withInvocationMetrics`), so the values read at its end are that invocation's alone, even
 * when invocations of one environment overlap.
 */
export const recordsReceived = Metric.counter("RecordsReceived", { incremental: true, description: "records in the event" })
export const recordsAdded = Metric.counter("RecordsAdded", { incremental: true, description: "products written" })
export const readsFound = Metric.counter("ReadsFound", { incremental: true, description: "reads answered with the product" })
export const readsNotFound = Metric.counter("ReadsNotFound", { incremental: true, description: "reads answered not found" })
export const recordsDeadLettered = Metric.counter("RecordsDeadLettered", { incremental: true, description: "rejected records parked in the DLQ" })
export const recordsRetried = Metric.counter("RecordsRetried", { incremental: true, description: "entry retries inside the invocation" })
export const recordsHandedBack = Metric.counter("RecordsHandedBack", { incremental: true, description: "records reported in batchItemFailures" })
export const deadlineHits = Metric.counter("DeadlineHit", { incremental: true, description: "1 when the invocation stopped at its deadline" })
export const coldStarts = Metric.counter("ColdStart", { incremental: true, description: "1 on the first invocation of an environment" })
export const invocationDuration = Metric.gauge("InvocationDuration", { description: "ms from the event to the response" })
export const oldestRecordAge = Metric.gauge("OldestRecordAge", { description: "ms between the oldest record's SentTimestamp and the start" })

/** AWS requests sent (each attempt counts), one metric per operation: `AwsRequests.<Operation>`. */
export const awsRequests = Metric.counter("AwsRequests", { incremental: true, description: "AWS requests sent, per operation" })
export const countAwsRequest = (operation: string) => Metric.update(Metric.withAttributes(awsRequests, { Operation: operation }), 1)

const UNITS: Readonly<Record<string, EmfUnit>> = {
  InvocationDuration: "Milliseconds",
  OldestRecordAge: "Milliseconds"
}

/** The invocation's metric values, named for CloudWatch (per-operation counters get the operation as a suffix). */
export const metricValues = (snapshots: ReadonlyArray<Metric.Metric.Snapshot>): Array<MetricValue> =>
  snapshots.flatMap((s): Array<MetricValue> => {
    const value = s.type === "Counter" ? Number(s.state.count) : s.type === "Gauge" ? Number(s.state.value) : undefined
    if (value === undefined) return []
    const operation = (s.attributes as Record<string, string> | undefined)?.Operation
    return [{ name: operation ? `${s.id}.${operation}` : s.id, unit: UNITS[s.id] ?? "Count", value }]
  })

/** Runs `effect` with a fresh metric registry: what it counts is read back by `Metric.snapshot` inside it. */
export const withInvocationMetrics = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => Effect.provideService(effect, Metric.MetricRegistry, new Map()))
