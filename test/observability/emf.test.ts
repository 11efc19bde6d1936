import { describe, expect, test } from "bun:test"
import { EMF_UNITS, emfDocuments, type MetricValue } from "../../src/observability/emf.ts"
import { emfViolations } from "./emf-spec.ts"

const base = {
  namespace: "BunSqsLambda",
  dimensions: { FunctionName: "products-handler" },
  timestamp: 1_764_000_000_000.4
}

describe("EMF documents", () => {
  test("one document per invocation, valid against the specification, values as root members", () => {
    const [doc, ...rest] = emfDocuments({
      ...base,
      metrics: [{ name: "RecordsReceived", unit: "Count", value: 10 }, {
        name: "InvocationDuration",
        unit: "Milliseconds",
        value: 12.5
      }],
      properties: { requestId: "req-1" }
    })
    expect(rest).toEqual([])
    const line = JSON.stringify(doc)
    expect(emfViolations(line)).toEqual([])
    expect(JSON.parse(line)).toEqual({
      _aws: {
        Timestamp: 1_764_000_000_000,
        CloudWatchMetrics: [{
          Namespace: "BunSqsLambda",
          Dimensions: [["FunctionName"]],
          Metrics: [{ Name: "RecordsReceived", Unit: "Count" }, { Name: "InvocationDuration", Unit: "Milliseconds" }]
        }]
      },
      FunctionName: "products-handler",
      requestId: "req-1",
      RecordsReceived: 10,
      InvocationDuration: 12.5
    })
  })

  test("more than 100 metrics are split into documents of at most 100, each valid", () => {
    const metrics: Array<MetricValue> = Array.from(
      { length: 250 },
      (_, i) => ({ name: `M${i}`, unit: EMF_UNITS[i % EMF_UNITS.length]!, value: i })
    )
    const docs = emfDocuments({ ...base, metrics })
    expect(docs.map((d) => d._aws.CloudWatchMetrics[0]!.Metrics.length)).toEqual([100, 100, 50])
    for (const d of docs) expect(emfViolations(JSON.stringify(d))).toEqual([])
    expect(docs.flatMap((d) => d._aws.CloudWatchMetrics[0]!.Metrics.map((m) => d[m.Name]))).toEqual(
      metrics.map((m) => m.value)
    )
  })

  test("a dimension set of 30 dimensions is valid; non-finite values are left out rather than break the document", () => {
    const dimensions = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`D${i}`, `v${i}`]))
    const [doc] = emfDocuments({
      ...base,
      dimensions,
      metrics: [{ name: "A", unit: "Count", value: Number.NaN }, { name: "B", unit: "Count", value: 1 }]
    })
    expect(emfViolations(JSON.stringify(doc))).toEqual([])
    expect(doc!._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name)).toEqual(["B"])
  })

  test("no metrics, no document", () => {
    expect(emfDocuments({ ...base, metrics: [] })).toEqual([])
  })
})

// The checker must be able to fail, or the tests above prove nothing.
describe("the specification checker", () => {
  const valid = JSON.stringify(emfDocuments({ ...base, metrics: [{ name: "X", unit: "Count", value: 1 }] })[0])
  const broken = (change: (doc: any) => void) => {
    const doc = JSON.parse(valid)
    change(doc)
    return emfViolations(JSON.stringify(doc))
  }

  test.each([
    ["no Timestamp", (d: any) => delete d._aws.Timestamp, "Timestamp"],
    ["a Timestamp in seconds with a fraction", (d: any) => (d._aws.Timestamp = 1.5), "Timestamp"],
    ["101 metrics", (d: any) => {
      d._aws.CloudWatchMetrics[0].Metrics = Array.from({ length: 101 }, (_, i) => ({ Name: `m${i}` }))
      for (let i = 0; i < 101; i++) d[`m${i}`] = i
    }, "at most 100"],
    ["an unknown unit", (d: any) => (d._aws.CloudWatchMetrics[0].Metrics[0].Unit = "Records"), "unit"],
    ["31 dimensions", (d: any) => {
      d._aws.CloudWatchMetrics[0].Dimensions = [Array.from({ length: 31 }, (_, i) => `d${i}`)]
      for (let i = 0; i < 31; i++) d[`d${i}`] = "x"
    }, "at most 30"],
    ["a dimension that is a number", (d: any) => (d.FunctionName = 7), "not a string"],
    ["a metric value that is a string", (d: any) => (d.X = "1"), "not a number"],
    ["a missing metric member", (d: any) => delete d.X, "not a number"],
    ["an empty Dimensions array", (d: any) => (d._aws.CloudWatchMetrics[0].Dimensions = []), "no DimensionSet"],
    ["an unknown member in _aws", (d: any) => (d._aws.LogGroupName = "x"), "unknown member"]
  ])("rejects %s", (_, change, expected) => {
    expect(broken(change).join("; ")).toContain(expected)
  })

  test("rejects a line that is not a JSON object", () => {
    expect(emfViolations("REPORT RequestId: x")).toEqual(["not JSON"])
    expect(emfViolations("[1]")).toEqual(["root is not an object"])
  })
})
