/**
 * CloudWatch Embedded Metric Format: metrics written as a JSON log line, which CloudWatch Logs turns
 * into metrics without an API call. Limits from the specification (docs.aws.amazon.com,
 * CloudWatch_Embedded_Metric_Format_Specification): at most 100 metric definitions per document, at
 * most 30 dimension keys per dimension set, metric names and dimension keys 1-255 characters,
 * dimension values strings, and a document no larger than a log event.
 */

/** The units CloudWatch accepts (MetricDatum.Unit). */
export const EMF_UNITS = [
  "Seconds",
  "Microseconds",
  "Milliseconds",
  "Bytes",
  "Kilobytes",
  "Megabytes",
  "Gigabytes",
  "Terabytes",
  "Bits",
  "Kilobits",
  "Megabits",
  "Gigabits",
  "Terabits",
  "Percent",
  "Count",
  "Bytes/Second",
  "Kilobytes/Second",
  "Megabytes/Second",
  "Gigabytes/Second",
  "Terabytes/Second",
  "Bits/Second",
  "Kilobits/Second",
  "Megabits/Second",
  "Gigabits/Second",
  "Terabits/Second",
  "Count/Second",
  "None"
] as const
export type EmfUnit = typeof EMF_UNITS[number]

const MAX_METRICS_PER_DOCUMENT = 100
export const MAX_DIMENSIONS_PER_SET = 30

export interface MetricValue {
  readonly name: string
  readonly unit: EmfUnit
  readonly value: number
}

export interface EmfOptions {
  readonly namespace: string
  /** Dimension name → value; all of them form the document's one dimension set. */
  readonly dimensions: Readonly<Record<string, string>>
  readonly metrics: ReadonlyArray<MetricValue>
  readonly timestamp: number
  /** Extra members for Logs Insights (e.g. the request id); never metrics, never dimensions. */
  readonly properties?: Readonly<Record<string, string | number | boolean>>
}

export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number
    readonly CloudWatchMetrics: ReadonlyArray<{
      readonly Namespace: string
      readonly Dimensions: ReadonlyArray<ReadonlyArray<string>>
      readonly Metrics: ReadonlyArray<{ readonly Name: string; readonly Unit: EmfUnit }>
    }>
  }
  readonly [member: string]: unknown
}

/**
 * The documents for one set of metric values: one per 100 metrics, so usually one. A value that is
 * not a finite number is left out (CloudWatch rejects the whole document for it).
 */
export const emfDocuments = (options: EmfOptions): Array<EmfDocument> => {
  const metrics = options.metrics.filter((m) => Number.isFinite(m.value))
  const documents: Array<EmfDocument> = []
  for (let i = 0; i < metrics.length; i += MAX_METRICS_PER_DOCUMENT) {
    const chunk = metrics.slice(i, i + MAX_METRICS_PER_DOCUMENT)
    const members: Record<string, unknown> = { ...options.properties, ...options.dimensions }
    for (const m of chunk) members[m.name] = m.value
    documents.push({
      _aws: {
        Timestamp: Math.round(options.timestamp),
        CloudWatchMetrics: [{
          Namespace: options.namespace,
          Dimensions: [Object.keys(options.dimensions)],
          Metrics: chunk.map((m) => ({ Name: m.name, Unit: m.unit }))
        }]
      },
      ...members
    })
  }
  return documents
}
