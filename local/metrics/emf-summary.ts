/**
 * Reads the function's EMF lines back out of its log output, as CloudWatch would, and sums them up
 * per run: what `bun run invoke` and `bun run bench` print.
 */
import { ENV } from "../../src/config.ts"
import {
  AWS_REQUESTS,
  coldStarts,
  deadlineHits,
  invocationDuration,
  oldestRecordAge,
  readsFound,
  readsNotFound,
  RECORDS_RETRIED,
  recordsAdded,
  recordsDeadLettered,
  recordsHandedBack,
  recordsReceived
} from "../../src/observability/metrics.ts"

export interface EmfTotals {
  /** EMF documents read (one per invocation). */
  readonly invocations: number
  /** Count metrics summed over the run. */
  readonly sums: Readonly<Record<string, number>>
  /** Millisecond metrics: average and maximum over the run. */
  readonly timings: Readonly<Record<string, { readonly average: number; readonly max: number }>>
}

interface EmfLike {
  _aws?: { CloudWatchMetrics?: Array<{ Metrics?: Array<{ Name?: string; Unit?: string }> }> }
  [member: string]: unknown
}

/** The EMF document in a log line, or undefined for any other line. */
export const emfDocument = (line: string): EmfLike | undefined => {
  if (!line.startsWith("{") || !line.includes("\"_aws\"")) return undefined
  try {
    const doc = JSON.parse(line) as EmfLike
    return Array.isArray(doc._aws?.CloudWatchMetrics) ? doc : undefined
  } catch {
    return undefined
  }
}

/** Collects EMF lines as they are printed; `totals()` sums what came so far. */
export const emfCollector = () => {
  const sums = new Map<string, number>()
  const timings = new Map<string, { total: number; count: number; max: number }>()
  let invocations = 0
  return {
    /** Feeds one log line; true when it was an EMF line. */
    add: (line: string): boolean => {
      const doc = emfDocument(line)
      if (!doc) return false
      invocations++
      for (const directive of doc._aws!.CloudWatchMetrics!) {
        for (const { Name, Unit } of directive.Metrics ?? []) {
          const value = Name === undefined ? undefined : doc[Name]
          if (typeof value !== "number") continue
          if (Unit === "Milliseconds") {
            const t = timings.get(Name!) ?? { total: 0, count: 0, max: -Infinity }
            timings.set(Name!, { total: t.total + value, count: t.count + 1, max: Math.max(t.max, value) })
          } else sums.set(Name!, (sums.get(Name!) ?? 0) + value)
        }
      }
      return true
    },
    totals: (): EmfTotals => ({
      invocations,
      sums: Object.fromEntries(sums),
      timings: Object.fromEntries([...timings].map(([k, t]) => [k, { average: t.total / t.count, max: t.max }]))
    })
  }
}

const count = (value: number | undefined) => (value ?? 0).toLocaleString("en")

/** A few lines for a terminal: records by outcome, retries, cold starts, requests per operation, times. */
export const summaryLines = (totals: EmfTotals): Array<string> => {
  if (totals.invocations === 0) return [`no metrics (${ENV.metricsEnabled}=false, or no invocation finished)`]
  const sums = totals.sums
  const requests = Object.entries(sums).filter(([k]) => k.startsWith(`${AWS_REQUESTS}.`)).map(([k, v]) =>
    `${k.slice(AWS_REQUESTS.length + 1)} ${count(v)}`
  )
  const timing = (name: string, label: string) => {
    const v = totals.timings[name]
    return v ? `${label} avg ${v.average.toFixed(1)} ms, max ${v.max.toFixed(1)} ms` : undefined
  }
  return [
    `${count(totals.invocations)} invocations, ${count(sums[coldStarts.id])} cold starts; records: ${
      count(sums[recordsReceived.id])
    } received, ${count(sums[recordsAdded.id])} added, ` +
    `${count(sums[readsFound.id])} found, ${count(sums[readsNotFound.id])} not found, ${
      count(sums[recordsDeadLettered.id])
    } to the DLQ, ${count(sums[recordsHandedBack.id])} handed back`,
    `retried inside invocations: ${count(sums[RECORDS_RETRIED])}; cut at the deadline: ${
      count(sums[deadlineHits.id])
    }; AWS requests: ${requests.join(", ") || "none"}`,
    [timing(invocationDuration.id, "duration"), timing(oldestRecordAge.id, "oldest record at start")].filter(Boolean)
      .join("; ")
  ]
}
