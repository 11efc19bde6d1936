/**
 * The rules of CloudWatch's Embedded Metric Format specification, checked independently of the code
 * that writes the documents ("Specification: Embedded metric format", CloudWatch User Guide):
 * - the log event is one JSON object; `_aws` holds `Timestamp` (integer ms since the epoch) and
 *   `CloudWatchMetrics`, an array of MetricDirectives, and nothing else;
 * - a MetricDirective holds `Namespace` (1-255 characters), `Dimensions` (at least one DimensionSet)
 *   and `Metrics` (at most 100 MetricDefinitions);
 * - a DimensionSet holds at most 30 dimension keys (9 in the specification's first version), each
 *   referencing a root member with a string value;
 * - a MetricDefinition holds `Name` (1-255 characters, referencing a root member that is a number or
 *   an array of at most 100 numbers), optionally `Unit` (a CloudWatch unit) and `StorageResolution`
 *   (1 or 60);
 * - the document is no larger than a CloudWatch Logs event (256 KB).
 */
const UNITS = new Set([
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
])

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const isName = (u: unknown) => typeof u === "string" && u.length >= 1 && u.length <= 255
const extra = (o: Record<string, unknown>, allowed: Array<string>) => Object.keys(o).filter((k) => !allowed.includes(k))

/** Every way `line` breaks the specification; empty when it is a valid EMF document. */
export const emfViolations = (line: string): Array<string> => {
  const problems: Array<string> = []
  if (new TextEncoder().encode(line).length > 256 * 1024) problems.push("larger than 256 KB")
  let root: unknown
  try {
    root = JSON.parse(line)
  } catch {
    return ["not JSON"]
  }
  if (!isObject(root)) return ["root is not an object"]
  const aws = root._aws
  if (!isObject(aws)) return ["no _aws object"]
  problems.push(...extra(aws, ["Timestamp", "CloudWatchMetrics"]).map((k) => `_aws has an unknown member ${k}`))
  if (typeof aws.Timestamp !== "number" || !Number.isInteger(aws.Timestamp) || aws.Timestamp < 0) {
    problems.push("_aws.Timestamp is not integer milliseconds")
  }
  if (!Array.isArray(aws.CloudWatchMetrics)) return [...problems, "_aws.CloudWatchMetrics is not an array"]
  aws.CloudWatchMetrics.forEach((directive: unknown, d) => {
    const at = `CloudWatchMetrics[${d}]`
    if (!isObject(directive)) return void problems.push(`${at} is not an object`)
    problems.push(
      ...extra(directive, ["Namespace", "Dimensions", "Metrics"]).map((k) => `${at} has an unknown member ${k}`)
    )
    if (!isName(directive.Namespace)) problems.push(`${at}.Namespace is not a 1-255 character string`)
    if (!Array.isArray(directive.Dimensions) || directive.Dimensions.length === 0) {
      problems.push(`${at}.Dimensions holds no DimensionSet`)
    } else {
      directive.Dimensions.forEach((set: unknown, s) => {
        if (!Array.isArray(set)) return void problems.push(`${at}.Dimensions[${s}] is not an array`)
        if (set.length > 30) problems.push(`${at}.Dimensions[${s}] has ${set.length} dimensions (at most 30)`)
        for (const key of set) {
          if (!isName(key)) problems.push(`${at}.Dimensions[${s}] has a key that is not a 1-255 character string`)
          else if (typeof root[key] !== "string") problems.push(`dimension ${key} is not a string member of the root`)
        }
      })
    }
    if (!Array.isArray(directive.Metrics)) return void problems.push(`${at}.Metrics is not an array`)
    if (directive.Metrics.length > 100) {
      problems.push(`${at}.Metrics has ${directive.Metrics.length} definitions (at most 100)`)
    }
    directive.Metrics.forEach((definition: unknown, m) => {
      if (!isObject(definition)) return void problems.push(`${at}.Metrics[${m}] is not an object`)
      problems.push(
        ...extra(definition, ["Name", "Unit", "StorageResolution"]).map((k) =>
          `${at}.Metrics[${m}] has an unknown member ${k}`
        )
      )
      if (!isName(definition.Name)) {
        return void problems.push(`${at}.Metrics[${m}].Name is not a 1-255 character string`)
      }
      if (definition.Unit !== undefined && !UNITS.has(definition.Unit as string)) {
        problems.push(`metric ${definition.Name} has the unit ${String(definition.Unit)}`)
      }
      if (
        definition.StorageResolution !== undefined && definition.StorageResolution !== 1 &&
        definition.StorageResolution !== 60
      ) {
        problems.push(`metric ${definition.Name} has StorageResolution ${String(definition.StorageResolution)}`)
      }
      const value = root[definition.Name as string]
      const numbers = Array.isArray(value) ? value : [value]
      if (!numbers.every((n) => typeof n === "number" && Number.isFinite(n))) {
        problems.push(`metric ${definition.Name} is not a number or an array of numbers`)
      }
      if (Array.isArray(value) && value.length > 100) {
        problems.push(`metric ${definition.Name} has ${value.length} values (at most 100)`)
      }
    })
  })
  return problems
}
