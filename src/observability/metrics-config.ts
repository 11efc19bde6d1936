import { Effect, Schema, SchemaTransformation } from "effect"
import { type Environment, environmentDecoder } from "../environment.ts"
import { MAX_DIMENSIONS_PER_SET } from "./emf.ts"

export const DEFAULT_METRICS_NAMESPACE = "BunSqsLambda"

/** The metric settings' environment variables (Terraform sets them; src/config.ts lists them in ENV). */
export const METRICS_ENV = {
  metricsEnabled: "METRICS_ENABLED",
  metricsNamespace: "METRICS_NAMESPACE",
  metricsDimensions: "METRICS_DIMENSIONS"
} as const

export interface MetricsConfigShape {
  /** false: no metric line at all (saves the custom metrics' cost). */
  readonly enabled: boolean
  readonly namespace: string
  /** Dimensions added to FunctionName on every metric. */
  readonly dimensions: Readonly<Record<string, string>>
}

// CloudWatch: namespaces are 1-255 printable ASCII characters and may not start with "AWS/" or ":".
const Namespace = Schema.String.check(
  Schema.isPattern(/^(?!AWS\/)(?!:)[\x20-\x7e]{1,255}$/, {
    message: "must be 1-255 printable ASCII characters, not starting with AWS/ or :"
  })
)

// Dimension names: 1-255 ASCII characters, not starting with ":"; values: 1-1024 ASCII characters,
// not all blank; no control characters. "," and "=" separate the pairs, so neither may appear in them.
const PRINTABLE = /^[\x20-\x7e]+$/
const invalidPair = (pair: string): string | undefined => {
  const at = pair.indexOf("=")
  const name = pair.slice(0, at).trim()
  const value = pair.slice(at + 1).trim()
  if (at < 0 || value.includes("=")) return `"${pair}" is not Name=value`
  if (!PRINTABLE.test(name) || name.length > 255 || name.startsWith(":")) {
    return `dimension name "${name}" must be 1-255 ASCII characters, not starting with ":"`
  }
  if (!PRINTABLE.test(value) || value.length > 1024) return `dimension value of ${name} must be 1-1024 ASCII characters`
  if (name === "FunctionName") return "FunctionName is always the function's name"
  return undefined
}

const pairsOf = (text: string) => text.split(",").map((p) => p.trim()).filter((p) => p !== "")

const Dimensions = Schema.String.check(
  Schema.makeFilter((text: string) => {
    const pairs = pairsOf(text)
    if (pairs.length > MAX_DIMENSIONS_PER_SET - 1) {
      return `at most ${MAX_DIMENSIONS_PER_SET - 1} dimensions besides FunctionName`
    }
    return pairs.map(invalidPair).find((e) => e !== undefined) ?? true
  })
)

const parseDimensions = (text: string): Record<string, string> =>
  Object.fromEntries(pairsOf(text).map((p) => [p.slice(0, p.indexOf("=")).trim(), p.slice(p.indexOf("=") + 1).trim()]))

// The words Effect's Config.Boolean reads as true and false (test/observability/metrics-config.test.ts).
const TRUE_WORDS: ReadonlyArray<string> = ["true", "yes", "on", "1", "y"]
const Enabled = Schema.Literals(["true", "yes", "on", "1", "y", "false", "no", "off", "0", "n"]).pipe(
  Schema.decodeTo(
    Schema.Boolean,
    SchemaTransformation.transform({
      decode: (word) => TRUE_WORDS.includes(word),
      encode: (on) => (on ? "true" as const : "false" as const)
    })
  )
)

const decodeSettings = environmentDecoder(Schema.Struct({
  [METRICS_ENV.metricsEnabled]: Schema.optionalKey(Enabled),
  [METRICS_ENV.metricsNamespace]: Schema.optionalKey(Namespace),
  [METRICS_ENV.metricsDimensions]: Schema.optionalKey(Dimensions)
}))

/** The metric settings, read from the environment once per cold start. */
export const metricsConfig = (env: Environment): Effect.Effect<MetricsConfigShape, Schema.SchemaError> =>
  decodeSettings(env).pipe(Effect.map((settings) => ({
    enabled: settings[METRICS_ENV.metricsEnabled] ?? true,
    namespace: settings[METRICS_ENV.metricsNamespace] ?? DEFAULT_METRICS_NAMESPACE,
    dimensions: parseDimensions(settings[METRICS_ENV.metricsDimensions] ?? "")
  })))
