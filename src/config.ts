import { Context, Effect, Schema } from "effect"
import { socketHostname } from "../shared/http1/socket-hostname.ts"
import { type Environment, environmentDecoder } from "./environment.ts"
import { METRICS_ENV } from "./observability/metrics-config.ts"

export interface AppConfigShape {
  readonly tableName: string
  readonly outputQueueUrl: string
  readonly deadLetterQueueUrl: string
  /** Upper bound on AWS requests in flight at once within an invocation. */
  readonly maxConcurrency: number
  /** On Bun, what carries the SDK's requests (see src/aws/clients.ts). */
  readonly awsHttpClient: AwsHttpClientName
}

/**
 * The one source of MAX_CONCURRENCY's default; terraform/variables.tf, local/stack/defaults.ts and
 * the README are tested against it (test/unit/config.test.ts).
 */
export const DEFAULT_MAX_CONCURRENCY = 32

/** The environment variables the function reads (Terraform must set exactly these). */
export const ENV = {
  tableName: "TABLE_NAME",
  outputQueueUrl: "OUTPUT_QUEUE_URL",
  deadLetterQueueUrl: "DEAD_LETTER_QUEUE_URL",
  maxConcurrency: "MAX_CONCURRENCY",
  ...METRICS_ENV
} as const

/**
 * On Bun, the SDK's requests go over the function's own sockets (`socket`, the default) or Bun's fetch
 * (`fetch`, the way back). Not one of ENV: Terraform does not set it; a function's environment may.
 */
export const AWS_HTTP_CLIENT_ENV = "BUN_AWS_HTTP_CLIENT"
export const AwsHttpClientName = Schema.Literals(["socket", "fetch"])
export type AwsHttpClientName = typeof AwsHttpClientName.Type
export const DEFAULT_AWS_HTTP_CLIENT: AwsHttpClientName = "socket"

/** A proxy variable as Bun's fetch reads it: the lower-case name first; empty counts as unset. */
const proxyVariable = (env: Environment, name: string): string | undefined =>
  env[name.toLowerCase()] || env[name] || undefined

/** Whether any proxy variable is set: only then can a request need fetch rather than the sockets. */
export const proxyConfigured = (env: Environment): boolean =>
  proxyVariable(env, "HTTPS_PROXY") !== undefined || proxyVariable(env, "HTTP_PROXY") !== undefined

/**
 * Whether Bun's fetch sends a request to this origin through a proxy, as Bun 1.4.5's fetch was seen to decide
 * (its local cases in test/unit/proxy-transport.test.ts): https_proxy / HTTPS_PROXY for https, http_proxy /
 * HTTP_PROXY for http, unless no_proxy / NO_PROXY (comma-separated, any case) holds `*`, the host, or a domain
 * it is in (`example.com`, `.example.com` and `*.example.com` alike), with the port if the entry gives one.
 * An entry not read here (an IP range) excludes nothing: the request then goes to fetch, which decides itself.
 */
export const proxyApplies = (env: Environment, protocol: string, hostname: string, port?: number): boolean => {
  const https = protocol === "https:"
  if (!proxyVariable(env, https ? "HTTPS_PROXY" : "HTTP_PROXY")) return false
  const host = socketHostname(hostname).toLowerCase()
  const hostPort = String(port ?? (https ? 443 : 80))
  return !(proxyVariable(env, "NO_PROXY") ?? "").split(",").some((raw) => {
    const entry = raw.trim().toLowerCase()
    if (entry === "*") return true
    // [v6]:port, host:port, or a bare name or address (an IPv6 one has more than one colon).
    const [, bracketed, bracketPort] = /^\[(.*)\](?::(\d+))?$/.exec(entry) ?? []
    const colons = entry.split(":").length - 1
    const [name, entryPort] = bracketed !== undefined
      ? [bracketed, bracketPort]
      : colons === 1
      ? entry.split(":")
      : [entry, undefined]
    const domain = name!.replace(/^\*?\./, "")
    if (!domain || (entryPort !== undefined && entryPort !== hostPort)) return false
    return host === domain || host.endsWith(`.${domain}`)
  })
}

export const QueueUrl = Schema.String.check(
  Schema.isPattern(/^https?:\/\/\S+$/, { message: "must be an http(s) queue URL" })
)
export const MaxConcurrency = Schema.NumberFromString.check(
  Schema.isInt(),
  Schema.isBetween({ minimum: 1, maximum: 1_000 })
)

const decodeSettings = environmentDecoder(Schema.Struct({
  [ENV.tableName]: Schema.NonEmptyString,
  [ENV.outputQueueUrl]: QueueUrl,
  [ENV.deadLetterQueueUrl]: QueueUrl,
  [ENV.maxConcurrency]: Schema.optionalKey(MaxConcurrency),
  [AWS_HTTP_CLIENT_ENV]: Schema.optionalKey(AwsHttpClientName)
}))

/** The function's settings, read from the environment once per cold start. */
export const appConfig = (env: Environment): Effect.Effect<AppConfigShape, Schema.SchemaError> =>
  decodeSettings(env).pipe(Effect.map((settings) => ({
    tableName: settings[ENV.tableName],
    outputQueueUrl: settings[ENV.outputQueueUrl],
    deadLetterQueueUrl: settings[ENV.deadLetterQueueUrl],
    maxConcurrency: settings[ENV.maxConcurrency] ?? DEFAULT_MAX_CONCURRENCY,
    awsHttpClient: settings[AWS_HTTP_CLIENT_ENV] ?? DEFAULT_AWS_HTTP_CLIENT
  })))

/** The settings read at cold start (handler.ts), provided to the services by liveLayer. */
export class AppConfig extends Context.Service<AppConfig, AppConfigShape>()("AppConfig") {}
