/**
 * bun run invoke — the whole SQS → Lambda → DynamoDB/SQS flow on this machine.
 * Run with --help for the options.
 */
import { mkdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { drainQueue, scanAll } from "../aws/inspect.ts"
import { acknowledgedRecords, type InvocationRecord } from "../event-source/event-source-mapping.ts"
import { packagedFunction } from "../flow/packaged.ts"
import { progressBar } from "../flow/progress.ts"
import { sendBodies } from "../flow/send.ts"
import { type Session, startSession } from "../flow/session.ts"
import { emfCollector, summaryLines } from "../metrics/emf-summary.ts"
import { reportLine } from "../runtime-api/report.ts"
import { STACK_DEFAULTS } from "../stack/defaults.ts"
import { startTraceCapture } from "../trace/capture.ts"
import { HELP, type InvokeSettings, parseInvokeArgs, UsageError } from "./options.ts"
import { attributesOf, bold, dim, heading, invocationLines } from "./render.ts"

const args = ((): InvokeSettings => {
  try {
    return parseInvokeArgs(process.argv.slice(2))
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    console.error(`bun run invoke: ${e.message}\n\n${HELP}`)
    process.exit(2)
  }
})()
if (args.help) {
  console.log(HELP)
  process.exit(0)
}
const { memoryMb, concurrency, perEnvironment, batchSize, batchingWindowSeconds, timeoutSeconds, json } = args
const say = (...lines: Array<string>) => void (!json && console.log(lines.join("\n")))

const invocations: Array<InvocationRecord> = []
// The function's EMF lines, summed per run; with --trace, its spans in a receiver of our own.
const metrics = emfCollector()
const capture = args.trace ? startTraceCapture() : undefined
if (!args.source) {
  say(dim(`Building what ships into ${args.dist}/ (bun run build: a while the first time, then only what changed)`))
}
const fn = args.source ? undefined : await packagedFunction({}, {
  dist: args.dist,
  ...(args.arch ? { arch: args.arch } : {}),
  onBuildLine: (line) => (line.includes("sha256") || line.includes("qemu")) && say(dim(`  ${line}`))
})
const session: Session = await startSession({
  ...(fn ? { function: fn } : {}),
  memoryMb,
  concurrency,
  perEnvironment,
  batchSize,
  batchingWindowSeconds,
  timeoutSeconds,
  onInvocation: (r) => {
    invocations.push(r)
    if (!args.messages) say(...invocationLines(r))
  },
  ...(capture ? { functionEnv: capture.env } : {}),
  onLog: (line: string) => {
    metrics.add(line)
    if (args.verbose && !json) console.log(dim(`  │ ${line}`))
  }
})
const { stack } = session

const settings = {
  function: fn ? "packaged" : "source",
  memoryMb,
  concurrency,
  perEnvironment,
  batchSize,
  batchingWindowSeconds,
  timeoutSeconds
}
say(
  bold("Local stack"),
  `  DynamoDB ${stack.endpoints.dynamodb}${stack.embedded.dynamodb ? " (dynalite, in-process)" : ""}`,
  `  SQS      ${stack.endpoints.sqs}${stack.embedded.sqs ? " (local-aws-sqs, in-process)" : ""}`,
  `  table ${stack.tableName}; queues input, output and dead-letter (maxReceiveCount ${STACK_DEFAULTS.maxReceiveCount}, visibility ${stack.visibilityTimeoutSeconds} s)`,
  `  function: ${
    fn
      ? `what ships: the ${fn.arch} layer and function-${fn.arch}.zip`
      : "runtime/bootstrap on Bun, src/handler.handler from source (--source)"
  }, ${memoryMb} MB, timeout ${timeoutSeconds} s, batch ${batchSize}, window ${batchingWindowSeconds} s, up to ${concurrency} environments${
    perEnvironment > 1 ? ` of ${perEnvironment} concurrent invocations each (Managed Instances)` : ""
  }`,
  session.cgroups.available
    ? `  limits: ${session.cgroups.reason}`
    : `  limits: NOT ENFORCED, running unconstrained (${session.cgroups.reason})`
)
if (fn?.emulated) {
  say(
    bold(`  note: the ${fn.arch} Bun runs under qemu-user emulation, so this is SLOW: cold starts take seconds,`),
    bold("  invocations run several times slower than on Lambda, and memory includes qemu's own. The results count,"),
    bold("  not the timings.")
  )
}
if (!fn) {
  say(
    bold("  note: from source, each cold start transpiles src/ and its dependencies, so Init Duration is far above"),
    bold("  the packaged function's: run without --source to see what ships")
  )
}

const summaryOf = async () => {
  const products = await scanAll(stack.endpoints.dynamodb, stack.tableName)
  const output = await drainQueue(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
  const deadLetters = await drainQueue(stack.endpoints.sqs, stack.deadLetterQueueUrl, { remove: true })
  return { products, output, deadLetters }
}

try {
  if (args.event) {
    // One raw event, one execution environment: exactly what Lambda would hand the function.
    const event = JSON.parse(readFileSync(args.event, "utf8"))
    const env = session.pool.create()
    const result = await env.invoke(event)
    await env.stop()
    const { products, output, deadLetters } = await summaryOf()
    if (json) console.log(JSON.stringify({ settings, result, products, output, deadLetters }, null, 2))
    else {
      say(
        heading("Result"),
        result.status === "success" ? result.payload : `${result.status}: ${JSON.stringify(result.error)}`,
        dim(reportLine(result.report))
      )
      say(heading(`Products (${products.length})`), ...products.map((p) => `  ${JSON.stringify(p)}`))
      say(
        heading(`Output queue (${output.length})`),
        ...output.map((m) => `  ${m.Body}  ${JSON.stringify(attributesOf(m))}`)
      )
      say(
        heading(`Dead-letter queue (${deadLetters.length})`),
        ...deadLetters.map((m) => `  ${m.Body}  ${JSON.stringify(attributesOf(m))}`)
      )
    }
  } else if (args.messages) {
    const n = args.messages
    const adds = Math.ceil(n / 2)
    const started = performance.now()
    const ticker = setInterval(() => {
      const done = acknowledgedRecords(invocations)
      if (!json) progressBar(done, n, `invocations ${invocations.length}, environments ${session.pool.size}`)
    }, 200)
    const addIds = await sendBodies(
      stack.endpoints.sqs,
      stack.inputQueueUrl,
      Array.from({ length: adds }, (_, i) => JSON.stringify({ name: `product ${i}`, price: (i % 1000) / 10 }))
    )
    await session.mapping.drain()
    await sendBodies(
      stack.endpoints.sqs,
      stack.inputQueueUrl,
      Array.from({ length: n - adds }, (_, i) => JSON.stringify({ pk: addIds[i % addIds.length] }))
    )
    await session.mapping.drain()
    clearInterval(ticker)
    const seconds = (performance.now() - started) / 1000
    const { products, output, deadLetters } = await summaryOf()
    const durations = invocations.map((r) => r.result.report.durationMs)
    const summary = {
      settings,
      messages: n,
      seconds,
      messagesPerSecond: n / seconds,
      invocations: invocations.length,
      coldStarts: invocations.filter((r) => r.coldStart).length,
      environments: session.pool.size,
      products: products.length,
      outputMessages: output.length,
      deadLetters: deadLetters.length,
      failedInvocations: invocations.filter((r) => r.result.status !== "success").length,
      durationMs: {
        max: Math.max(...durations),
        average: durations.reduce((a, b) => a + b, 0) / durations.length,
        min: Math.min(...durations)
      },
      maxMemoryUsedMb: Math.max(...invocations.map((r) => r.result.report.maxMemoryUsedMb))
    }
    if (json) console.log(JSON.stringify(summary, null, 2))
    else {
      process.stderr.write(
        `${progressBar(n, n, `invocations ${invocations.length}, environments ${session.pool.size}`)}\n`
      )
      say(
        heading("Drained"),
        `  ${n} messages in ${seconds.toFixed(1)} s (${
          summary.messagesPerSecond.toFixed(0)
        }/s), ${summary.invocations} invocations, ${summary.coldStarts} cold starts`,
        `  duration max ${summary.durationMs.max.toFixed(2)} ms, average ${
          summary.durationMs.average.toFixed(2)
        } ms, min ${summary.durationMs.min.toFixed(2)} ms; max memory used ${summary.maxMemoryUsedMb} MB`,
        `  ${summary.products} products, ${summary.outputMessages} output messages, ${summary.deadLetters} dead letters`
      )
    }
  } else {
    say(heading("1. Adding three products"))
    const ids = await sendBodies(stack.endpoints.sqs, stack.inputQueueUrl, [
      JSON.stringify({ name: "Widget", price: 9.99 }),
      JSON.stringify({ name: "Gadget", price: 24.5 }),
      JSON.stringify({ name: "Gizmo", price: 0 })
    ])
    await session.mapping.drain()
    say(heading("2. Reading them back, reading a missing product, and a malformed message"))
    await sendBodies(stack.endpoints.sqs, stack.inputQueueUrl, [
      ...ids.map((pk) => JSON.stringify({ pk })),
      JSON.stringify({ pk: "no-such-product" }),
      `{"name": "Broken", "price": "free"}`
    ])
    await session.mapping.drain()
    const { products, output, deadLetters } = await summaryOf()
    if (json) {
      console.log(
        JSON.stringify(
          {
            settings,
            invocations: invocations.map((r) => ({
              records: r.event.Records.length,
              status: r.result.status,
              settlement: r.settlement,
              report: r.result.report
            })),
            products,
            output,
            deadLetters
          },
          null,
          2
        )
      )
    } else {
      say(
        heading(`Products in ${stack.tableName} (${products.length})`),
        ...products.map((p) =>
          `  ${p.pk}  ${String(p.name).padEnd(8)} ${String(p.price).padStart(6)}  created ${p.createdAt}`
        )
      )
      say(
        heading(`Output queue (${output.length})`),
        ...output.map((m) => `  ${m.Body}\n    attributes ${JSON.stringify(attributesOf(m))}`)
      )
      say(
        heading(`Dead-letter queue (${deadLetters.length})`),
        ...deadLetters.map((m) => `  ${m.Body}\n    attributes ${JSON.stringify(attributesOf(m))}`)
      )
    }
  }
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
        ? `  ${written.invocations} invocations traced; the timeline of the one with the most retries and spans: ${written.path}`
        : "  no span arrived"
    )
  }
} finally {
  await session.close()
  await capture?.stop()
}
