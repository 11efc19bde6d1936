/**
 * `bun run invoke`'s options, each declared once: its help line, default and range. A new option is
 * one entry in OPTIONS (the help text and parsing follow from it) and one field in InvokeSettings.
 */
import { parseArgs } from "node:util"
import { STACK_DEFAULTS } from "../stack/defaults.ts"

interface OptionSpec {
  readonly type: "string" | "boolean"
  /** The value's placeholder in the help text, e.g. "MB". */
  readonly value?: string
  readonly default?: string
  readonly help: string
}

export const OPTIONS = {
  event: {
    type: "string",
    value: "FILE",
    help: "invoke the function once with a raw event (samples in local/events/)"
  },
  messages: {
    type: "string",
    value: "N",
    help: "send N generated messages (half adds, then reads of them) and drain them"
  },
  memory: {
    type: "string",
    value: "MB",
    default: String(STACK_DEFAULTS.memorySizeMb),
    help: "memory size: limits memory and CPU (1 vCPU at 1,769 MB) with cgroups when possible"
  },
  concurrency: {
    type: "string",
    value: "N",
    default: String(STACK_DEFAULTS.maximumConcurrency),
    help: "most execution environments at once"
  },
  "per-environment": {
    type: "string",
    value: "N",
    default: "1",
    help: "Lambda Managed Instances mode: up to N invocations at once in each environment\n" +
      "(AWS_LAMBDA_MAX_CONCURRENCY; 1 is classic Lambda)"
  },
  "batch-size": {
    type: "string",
    value: "N",
    default: String(STACK_DEFAULTS.batchSize),
    help: "records per invocation, 1-10 (1-10000 with a batching window)"
  },
  "batching-window": {
    type: "string",
    value: "S",
    default: String(STACK_DEFAULTS.batchingWindowSeconds),
    help: "seconds to gather a batch, 0-300"
  },
  timeout: {
    type: "string",
    value: "S",
    default: String(STACK_DEFAULTS.functionTimeoutSeconds),
    help: "function timeout in seconds"
  },
  source: {
    type: "boolean",
    help: "run src/handler.ts from source (for editing: no build, but every cold start transpiles the\n" +
      "handler and its dependencies, so Init Duration is far above what ships)"
  },
  dist: { type: "string", value: "DIR", default: "dist", help: "where `bun run build` writes and caches what ships" },
  arch: {
    type: "string",
    value: "A",
    help: "the layer and function of arm64 (Terraform's default) or x86_64; default this machine's. The\n" +
      "other architecture's Bun runs under qemu-user: right results, but SLOW (seconds per cold start)"
  },
  verbose: { type: "boolean", help: "also print the function's own log lines" },
  trace: {
    type: "boolean",
    help: "collect the function's spans in an embedded OTLP receiver and draw one invocation's timeline\n" +
      "(rounds, requests side by side, retries, the deadline) as SVG in .cache/trace/"
  },
  "active-tracing": {
    type: "boolean",
    help: "send Lambda's trace header with every invocation, sampled as Lambda does with\n" +
      "tracing_config { mode = \"Active\" }: X-Ray's default rule, the first invocation each second and\n" +
      "5% of the rest (seeded); with --trace only the sampled ones export spans, as on AWS"
  },
  json: { type: "boolean", help: "machine-readable output (one JSON document on stdout)" },
  help: { type: "boolean", help: "this text" }
} as const satisfies Record<string, OptionSpec>

const usage = () =>
  Object.entries(OPTIONS as Record<string, OptionSpec>).map(([name, o]) => {
    const flag = `  --${name}${o.value ? ` ${o.value}` : ""}`.padEnd(24)
    const [first, ...rest] = `${o.help}${o.default !== undefined ? ` (default ${o.default})` : ""}`.split("\n")
    return [`${flag}${first}`, ...rest.map((l) => `${" ".repeat(24)}${l}`)].join("\n")
  }).join("\n")

export const HELP = `bun run invoke [options]

Runs the function on this machine: dynalite and local-aws-sqs in-process (or the endpoints in
AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SQS), through a local Lambda Runtime API and an SQS
event source mapping between the input queue and the function. By default it runs what ships: the
layer and function-<arch>.zip of \`bun run build\` (built on the first run, then only when sources change),
unpacked as Lambda does, so the REPORT lines show the packaged function's own cold start.

With no options: a short demonstration (adds, reads, a read of a missing product, a malformed
message), then the products table, the output queue, the dead-letter queue and the REPORT lines.

${usage()}`

export interface InvokeSettings {
  readonly event: string | undefined
  readonly messages: number | undefined
  readonly memoryMb: number
  readonly concurrency: number
  readonly perEnvironment: number
  readonly batchSize: number
  readonly batchingWindowSeconds: number
  readonly timeoutSeconds: number
  readonly source: boolean
  readonly dist: string
  /** The packaged layer's architecture; undefined means this machine's. */
  readonly arch: "arm64" | "x86_64" | undefined
  readonly verbose: boolean
  readonly trace: boolean
  readonly activeTracing: boolean
  readonly json: boolean
  readonly help: boolean
}

export class UsageError extends Error {}

const integer = (name: string, value: string, min: number, max: number) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got ${value}`)
  }
  return n
}

/** Parses and checks the command line; throws UsageError with a message for the user. */
export const parseInvokeArgs = (args: ReadonlyArray<string>): InvokeSettings => {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({ args: [...args], options: OPTIONS as Record<string, OptionSpec> }).values
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const text = (name: keyof typeof OPTIONS) => {
    const value = values[name] ?? (OPTIONS[name] as OptionSpec).default
    return typeof value === "string" ? value : undefined
  }
  const batchingWindowSeconds = integer("batching-window", text("batching-window")!, 0, 300)
  const messages = text("messages")
  const arch = text("arch")
  if (arch !== undefined && arch !== "arm64" && arch !== "x86_64") {
    throw new UsageError(`--arch must be arm64 or x86_64, got ${arch}`)
  }
  if (arch !== undefined && values.source === true) {
    throw new UsageError("--arch needs what ships: from source (--source) the function runs on this machine's Bun")
  }
  return {
    event: text("event"),
    messages: messages === undefined ? undefined : integer("messages", messages, 1, 1_000_000),
    memoryMb: integer("memory", text("memory")!, 128, 10_240),
    concurrency: integer("concurrency", text("concurrency")!, 1, 1_000),
    perEnvironment: integer("per-environment", text("per-environment")!, 1, 1_000),
    batchSize: integer("batch-size", text("batch-size")!, 1, batchingWindowSeconds > 0 ? 10_000 : 10),
    batchingWindowSeconds,
    timeoutSeconds: integer("timeout", text("timeout")!, 1, 900),
    source: values.source === true,
    dist: text("dist")!,
    arch,
    verbose: values.verbose === true,
    trace: values.trace === true,
    activeTracing: values["active-tracing"] === true,
    json: values.json === true,
    help: values.help === true
  }
}
