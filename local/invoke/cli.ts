/**
 * bun run invoke — the whole SQS → Lambda → DynamoDB/SQS flow on this machine.
 * Run with --help for the options.
 */
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import type { InvocationRecord } from "../event-source/event-source-mapping.ts"
import { type PackagedFunction, packagedFunction } from "../flow/packaged.ts"
import { type Session, startSession } from "../flow/session.ts"
import { emfCollector, summaryLines } from "../metrics/emf-summary.ts"
import { activeTracing } from "../runtime-api/active-tracing.ts"
import { STACK_DEFAULTS } from "../stack/defaults.ts"
import { startTraceCapture } from "../trace/capture.ts"
import { invokeDemonstration } from "./modes/demonstration.ts"
import { invokeLoad } from "./modes/load.ts"
import { invokeOneEvent } from "./modes/one-event.ts"
import { HELP, type InvokeSettings, parseInvokeArgs, UsageError } from "./options.ts"
import { bold, dim, heading, invocationLines } from "./render.ts"

const options = ((): InvokeSettings => {
  try {
    return parseInvokeArgs(process.argv.slice(2))
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    console.error(`bun run invoke: ${e.message}\n\n${HELP}`)
    process.exit(2)
  }
})()
if (options.help) {
  console.log(HELP)
  process.exit(0)
}
const { memoryMb, concurrency, perEnvironment, batchSize, batchingWindowSeconds, timeoutSeconds, json } = options
const say = (...lines: Array<string>) => void (!json && console.log(lines.join("\n")))

/** What the run is on: the emulators, the stack, the function and its limits. */
const stackLines = (session: Session, packaged: PackagedFunction | undefined): Array<string> => {
  const { stack } = session
  const lines = [
    bold("Local stack"),
    `  DynamoDB ${stack.endpoints.dynamodb}${stack.embedded.dynamodb ? " (dynalite, in-process)" : ""}`,
    `  SQS      ${stack.endpoints.sqs}${stack.embedded.sqs ? " (local-aws-sqs, in-process)" : ""}`,
    `  table ${stack.tableName}; queues input, output and dead-letter ` +
    `(maxReceiveCount ${STACK_DEFAULTS.maxReceiveCount}, visibility ${stack.visibilityTimeoutSeconds} s)`,
    `  function: ${
      packaged
        ? `what ships: the ${packaged.arch} layer and function-${packaged.arch}.zip`
        : "runtime/bootstrap on Bun, src/handler.handler from source (--source)"
    }, ${memoryMb} MB, timeout ${timeoutSeconds} s, batch ${batchSize}, window ${batchingWindowSeconds} s, ` +
    `up to ${concurrency} environments${
      perEnvironment > 1 ? ` of ${perEnvironment} concurrent invocations each (Managed Instances)` : ""
    }`,
    session.cgroups.available
      ? `  limits: ${session.cgroups.reason}`
      : `  limits: NOT ENFORCED, running unconstrained (${session.cgroups.reason})`
  ]
  if (packaged?.emulated) {
    lines.push(
      bold(
        `  note: the ${packaged.arch} Bun runs under qemu-user emulation, so this is SLOW: cold starts take seconds,`
      ),
      bold("  invocations run several times slower than on Lambda, and memory includes qemu's own. The results count,"),
      bold("  not the timings.")
    )
  }
  if (!packaged) {
    lines.push(
      bold("  note: from source, each cold start transpiles src/ and its dependencies, so Init Duration is far above"),
      bold("  the packaged function's: run without --source to see what ships")
    )
  }
  return lines
}

const invocations: Array<InvocationRecord> = []
// The function's EMF lines, summed per run; with --trace, its spans in a receiver of our own.
const metrics = emfCollector()
const capture = options.trace ? startTraceCapture({ followLambdaSampling: options.activeTracing }) : undefined
if (!options.source) {
  say(dim(`Building what ships into ${options.dist}/ (bun run build: a while the first time, then only what changed)`))
}
const packaged = options.source ? undefined : await packagedFunction({}, {
  dist: options.dist,
  ...(options.arch ? { arch: options.arch } : {}),
  onBuildLine: (line) => (line.includes("sha256") || line.includes("qemu")) && say(dim(`  ${line}`))
})
// The settings of the flow, as the session takes them and as the modes report them.
const flow = { memoryMb, concurrency, perEnvironment, batchSize, batchingWindowSeconds, timeoutSeconds }
const session = await startSession({
  ...(packaged ? { function: packaged } : {}),
  ...flow,
  onInvocation: (record) => {
    invocations.push(record)
    if (!options.messages) say(...invocationLines(record))
  },
  ...(capture ? { functionEnv: capture.env } : {}),
  ...(options.activeTracing ? { tracing: activeTracing() } : {}),
  onLog: (line: string) => {
    metrics.add(line)
    if (options.verbose && !json) console.log(dim(`  │ ${line}`))
  }
})
say(...stackLines(session, packaged))

const settings = { function: packaged ? "packaged" : "source", ...flow }
const context = { session, invocations, settings, json, say }
try {
  if (options.event) await invokeOneEvent(context, options.event)
  else if (options.messages) await invokeLoad(context, options.messages)
  else await invokeDemonstration(context)
  say(
    heading("Metrics (from the function's EMF lines, as CloudWatch would count them)"),
    ...summaryLines(metrics.totals()).map((l) => `  ${l}`)
  )
  if (capture) {
    const dir = join(".cache", "trace")
    mkdirSync(dir, { recursive: true })
    const written = capture.write(join(dir, `invocation-${new Date().toISOString().replace(/[:.]/g, "-")}.svg`))
    say(
      heading("Trace"),
      written
        ? `  ${written.invocations} invocations traced; ` +
          `the timeline of the one with the most retries and spans: ${written.path}`
        : "  no span arrived"
    )
  }
} finally {
  await session.close()
  await capture?.stop()
}
