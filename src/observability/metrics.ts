import { Metric } from "effect"
import { awsRequests, recordsRetried } from "../aws/metrics.ts"
import type { EmfUnit, MetricValue } from "./emf.ts"

/**
 * What one invocation counts, as Effect metrics. Each invocation runs with a registry of its own
 * (withInvocationMetrics, src/aws/metrics.ts), so the values read at its end are that invocation's
 * alone, even when invocations of one environment overlap. AWS requests (per operation) and retried
 * items are counted where they happen (src/aws/batch-call.ts); the rest when the batch is settled.
 */
export const recordsReceived = Metric.counter("RecordsReceived", {
  incremental: true,
  description: "records in the event"
})
export const recordsAdded = Metric.counter("RecordsAdded", { incremental: true, description: "products written" })
export const readsFound = Metric.counter("ReadsFound", {
  incremental: true,
  description: "reads answered with the product"
})
export const readsNotFound = Metric.counter("ReadsNotFound", {
  incremental: true,
  description: "reads answered not found"
})
export const recordsDeadLettered = Metric.counter("RecordsDeadLettered", {
  incremental: true,
  description: "records parked in the DLQ"
})
export const recordsHandedBack = Metric.counter("RecordsHandedBack", {
  incremental: true,
  description: "records reported in batchItemFailures"
})
export const deadlineHits = Metric.counter("DeadlineHit", {
  incremental: true,
  description: "1 when the invocation stopped at its deadline"
})
export const coldStarts = Metric.counter("ColdStart", {
  incremental: true,
  description: "1 on the first invocation of an environment"
})
export const invocationDuration = Metric.gauge("InvocationDuration", {
  description: "ms from the event to the response"
})
export const oldestRecordAge = Metric.gauge("OldestRecordAge", {
  description: "ms between the oldest record's SentTimestamp and the start"
})
export { recordsRetried }

// CloudWatch names for the counters src/aws/ defines in its own words.
export const AWS_REQUESTS = "AwsRequests"
export const RECORDS_RETRIED = "RecordsRetried"
const NAMES: Readonly<Record<string, string>> = {
  [awsRequests.id]: AWS_REQUESTS,
  [recordsRetried.id]: RECORDS_RETRIED
}

const UNITS: Readonly<Record<string, EmfUnit>> = {
  InvocationDuration: "Milliseconds",
  OldestRecordAge: "Milliseconds"
}

/** The invocation's metric values, named for CloudWatch: AWS requests as `AwsRequests.<Operation>`. */
export const metricValues = (snapshots: ReadonlyArray<Metric.Metric.Snapshot>): Array<MetricValue> =>
  snapshots.flatMap((s): Array<MetricValue> => {
    const value = s.type === "Counter" ? Number(s.state.count) : s.type === "Gauge" ? Number(s.state.value) : undefined
    if (value === undefined) return []
    const name = NAMES[s.id] ?? s.id
    const operation = (s.attributes as Record<string, string> | undefined)?.operation
    return [{ name: operation ? `${name}.${operation}` : name, unit: UNITS[name] ?? "Count", value }]
  })
