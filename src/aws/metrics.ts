import { Effect, Metric } from "effect"

/** AWS requests made, one per HTTP call (retries included), with the attribute `operation`. */
export const awsRequests = Metric.counter("aws_requests", {
  description: "AWS requests made, by operation",
  incremental: true
})

/** Items sent again after a transient failure (one per item per retry). */
export const recordsRetried = Metric.counter("records_retried", {
  description: "items retried after a transient failure",
  incremental: true
})

// One counting effect per operation, made once: an effect is a description, run anew each time.
const requestCounts = new Map<string, Effect.Effect<void>>()

/** Counts one AWS request of `operation` in the invocation's registry. */
export const countRequest = (operation: string): Effect.Effect<void> => {
  let count = requestCounts.get(operation)
  if (count === undefined) {
    count = Metric.update(Metric.withAttributes(awsRequests, { operation }), 1)
    requestCounts.set(operation, count)
  }
  return count
}

/**
 * Runs one invocation with its own metric registry, so that the metrics read at its end (here for the
 * summary log line; by an EMF writer for CloudWatch) count that invocation alone, even when several
 * invocations share an environment.
 */
export const withInvocationMetrics = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => Effect.provideService(effect, Metric.MetricRegistry, new Map()))

export interface InvocationCounts {
  readonly retried: number
  readonly requests: Readonly<Record<string, number>>
}

/** The invocation's counts so far, from its registry's snapshot. */
export const invocationCounts: Effect.Effect<InvocationCounts> = Effect.map(Metric.snapshot, (snapshots) => {
  const requests: Record<string, number> = {}
  let retried = 0
  for (const s of snapshots) {
    if (s.type !== "Counter") continue
    const count = Number(s.state.count)
    if (s.id === recordsRetried.id) retried += count
    else if (s.id === awsRequests.id) {
      const operation = String(s.attributes?.operation ?? "unknown")
      requests[operation] = (requests[operation] ?? 0) + count
    }
  }
  return { retried, requests }
})
