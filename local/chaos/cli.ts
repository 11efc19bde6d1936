/**
 * bun run chaos [--messages 5000] [--fault-rate 0.1] [--kill-rate 0.01] [--runtime-api-error-rate 0.01]
 *               [--poison-rate 0.01] [--concurrency 10] [--memory 512] [--timeout 3] [--seed N] [--json]
 *
 * The accounting run: messages through the whole local flow with faults on, then every one accounted
 * for. Exits non-zero on any loss, wrong content or unexplained duplicate.
 */
import { parseArgs } from "node:util"
import { progressBar } from "../flow/progress.ts"
import { usageOf } from "../flow/usage.ts"
import { STACK_DEFAULTS } from "../stack/defaults.ts"
import { runChaos } from "./run-chaos.ts"

const { values: flags } = parseArgs({
  options: {
    messages: { type: "string", default: "5000" },
    "fault-rate": { type: "string", default: "0.1" },
    "kill-rate": { type: "string", default: "0.01" },
    "runtime-api-error-rate": { type: "string", default: "0.01" },
    "poison-rate": { type: "string", default: "0.01" },
    concurrency: { type: "string", default: String(STACK_DEFAULTS.maximumConcurrency) },
    // Not the stack's, on purpose: a short timeout makes the visibility timeout (6x it) short, so that the
    // batches of environments killed mid-batch come back within the run; 512 MB keeps environments light.
    memory: { type: "string", default: "512" },
    timeout: { type: "string", default: "3" },
    seed: { type: "string", default: String(Date.now() % 100_000) },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false }
  }
})
if (flags.help) {
  console.log(usageOf(import.meta.path))
  process.exit(0)
}
const report = await runChaos({
  messages: Number(flags.messages),
  faultRate: Number(flags["fault-rate"]),
  killRate: Number(flags["kill-rate"]),
  runtimeApiErrorRate: Number(flags["runtime-api-error-rate"]),
  poisonRate: Number(flags["poison-rate"]),
  concurrency: Number(flags.concurrency),
  memoryMb: Number(flags.memory),
  timeoutSeconds: Number(flags.timeout),
  seed: Number(flags.seed),
  ...(flags.json
    ? {}
    : {
      onProgress: (done: number, total: number, invoked: number) =>
        void progressBar(done, total, `invocations ${invoked}`)
    })
})
const accounting = report.accounting
if (flags.json) console.log(JSON.stringify(report, null, 2))
else {
  process.stderr.write("\n")
  console.log(
    `Chaos run (seed ${report.options.seed}): ${accounting.sent} messages (${accounting.byKind.add} adds, ${
      accounting.byKind["read-existing"]
    } reads of existing products, ${
      accounting.byKind["read-missing"]
    } of missing ones, ${accounting.byKind.poison} poison) in ${report.seconds.toFixed(1)} s`
  )
  console.log(
    `faults injected: DynamoDB ${JSON.stringify(report.faults.dynamodb)}, SQS ${
      JSON.stringify(report.faults.sqs)
    }; ${report.killedInvocations} environments killed mid-batch, ${report.runtimeApiErrors} Runtime API 500s`
  )
  console.log(
    `${report.invocations} invocations (${report.failedInvocations} failed), ` +
      `${report.redeliveredMessages} messages delivered more than once, ` +
      `${report.hiddenSends} sends that reached SQS behind a dropped connection`
  )
  console.log(
    `adds: one product each with the right content; reads: answered; poison: parked with its reason — ` +
      `processed ${accounting.processed}, redriven to the DLQ after retries ${accounting.redriven}`
  )
  console.log(
    `duplicates: ${accounting.duplicates.total} (${accounting.duplicates.explained} explained by a redelivery ` +
      `or a resend after a dropped connection, ${accounting.duplicates.unexplained.length} unexplained)`
  )
  console.log(
    `lost ${accounting.lost.length}, wrong content ${accounting.wrongContent.length}, ` +
      `unexpected products ${accounting.unexpectedProducts}; ` +
      `accounted ${accounting.accounted} of ${accounting.sent} sent`
  )
  console.log(
    accounting.ok
      ? "OK: nothing lost, nothing duplicated without cause"
      : `FAILED: ${
        JSON.stringify({
          lost: accounting.lost.slice(0, 10),
          wrong: accounting.wrongContent.slice(0, 10),
          unexplained: accounting.duplicates.unexplained.slice(0, 10)
        })
      }`
  )
}
process.exit(accounting.ok ? 0 : 1)
