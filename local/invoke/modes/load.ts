import { acknowledgedRecords } from "../../event-source/event-source-mapping.ts"
import { progressBar } from "../../flow/progress.ts"
import { sendBodies } from "../../flow/send.ts"
import { heading } from "../render.ts"
import { type ModeContext, stackContents } from "./mode.ts"

/** --messages N: half adds, then half reads of them, drained with a progress bar; a summary of the run. */
export const invokeLoad = async ({ session, invocations, settings, json, say }: ModeContext, messages: number) => {
  const { stack } = session
  const adds = Math.ceil(messages / 2)
  const progress = () => `invocations ${invocations.length}, environments ${session.pool.size}`
  const started = performance.now()
  const ticker = setInterval(() => {
    if (!json) progressBar(acknowledgedRecords(invocations), messages, progress())
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
    Array.from({ length: messages - adds }, (_, i) => JSON.stringify({ pk: addIds[i % addIds.length] }))
  )
  await session.mapping.drain()
  clearInterval(ticker)
  const seconds = (performance.now() - started) / 1000
  const { products, output, deadLetters } = await stackContents(stack)
  const durations = invocations.map((r) => r.result.report.durationMs)
  const summary = {
    settings,
    messages,
    seconds,
    messagesPerSecond: messages / seconds,
    invocations: invocations.length,
    coldStarts: invocations.filter((r) => r.coldStart).length,
    environments: session.pool.size,
    products: products.length,
    outputMessages: output.length,
    deadLetters: deadLetters.length,
    failedInvocations: invocations.filter((r) => r.result.status !== "success").length,
    durationMs: {
      max: Math.max(...durations),
      average: durations.reduce((sum, d) => sum + d, 0) / durations.length,
      min: Math.min(...durations)
    },
    maxMemoryUsedMb: Math.max(...invocations.map((r) => r.result.report.maxMemoryUsedMb))
  }
  if (json) {
    console.log(JSON.stringify(summary, null, 2))
    return
  }
  process.stderr.write(`${progressBar(messages, messages, progress())}\n`)
  const { durationMs } = summary
  say(
    heading("Drained"),
    `  ${messages} messages in ${seconds.toFixed(1)} s (${summary.messagesPerSecond.toFixed(0)}/s), ` +
      `${summary.invocations} invocations, ${summary.coldStarts} cold starts`,
    `  duration max ${durationMs.max.toFixed(2)} ms, average ${durationMs.average.toFixed(2)} ms, ` +
      `min ${durationMs.min.toFixed(2)} ms; max memory used ${summary.maxMemoryUsedMb} MB`,
    `  ${summary.products} products, ${summary.outputMessages} output messages, ${summary.deadLetters} dead letters`
  )
}
