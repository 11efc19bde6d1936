/**
 * bun run chaos [--messages 5000] [--fault-rate 0.1] [--kill-rate 0.01] [--runtime-api-error-rate 0.01]
 *               [--poison-rate 0.01] [--concurrency 10] [--memory 512] [--timeout 3] [--seed N] [--json]
 *
 * The accounting run: messages through the whole local flow with faults on, then every one accounted
 * for. Exits non-zero on any loss, wrong content or unexplained duplicate.
 */
import { parseArgs } from "node:util"
import { progressBar } from "../flow/progress.ts"
import { runChaos } from "./run-chaos.ts"

const { values: a } = parseArgs({
  options: {
    messages: { type: "string", default: "5000" },
    "fault-rate": { type: "string", default: "0.1" },
    "kill-rate": { type: "string", default: "0.01" },
    "runtime-api-error-rate": { type: "string", default: "0.01" },
    "poison-rate": { type: "string", default: "0.01" },
    concurrency: { type: "string", default: "10" },
    memory: { type: "string", default: "512" },
    timeout: { type: "string", default: "3" },
    seed: { type: "string", default: String(Date.now() % 100_000) },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false }
  }
})
if (a.help) {
  console.log(await Bun.file(import.meta.path).text().then((t) => t.split("*/")[0]!.replace(/^\/\*\*?|^ \* ?/gm, "")))
  process.exit(0)
}
const report = await runChaos({
  messages: Number(a.messages),
  faultRate: Number(a["fault-rate"]),
  killRate: Number(a["kill-rate"]),
  runtimeApiErrorRate: Number(a["runtime-api-error-rate"]),
  poisonRate: Number(a["poison-rate"]),
  concurrency: Number(a.concurrency),
  memoryMb: Number(a.memory),
  timeoutSeconds: Number(a.timeout),
  seed: Number(a.seed),
  ...(a.json
    ? {}
    : { onProgress: (done: number, total: number, inv: number) => void progressBar(done, total, `invocations ${inv}`) })
})
const acc = report.accounting
if (a.json) console.log(JSON.stringify(report, null, 2))
else {
  process.stderr.write("\n")
  console.log(
    `Chaos run (seed ${report.options.seed}): ${acc.sent} messages (${acc.byKind.add} adds, ${
      acc.byKind["read-existing"]
    } reads of existing products, ${acc.byKind["read-missing"]} of missing ones, ${acc.byKind.poison} poison) in ${
      report.seconds.toFixed(1)
    } s`
  )
  console.log(
    `faults injected: DynamoDB ${JSON.stringify(report.faults.dynamodb)}, SQS ${
      JSON.stringify(report.faults.sqs)
    }; ${report.killedInvocations} environments killed mid-batch, ${report.runtimeApiErrors} Runtime API 500s`
  )
  console.log(
    `${report.invocations} invocations (${report.failedInvocations} failed), ${report.redeliveredMessages} messages delivered more than once, ${report.hiddenSends} sends that reached SQS behind a dropped connection`
  )
  console.log(
    `adds: one product each with the right content; reads: answered; poison: parked with its reason — processed ${acc.processed}, redriven to the DLQ after retries ${acc.redriven}`
  )
  console.log(
    `duplicates: ${acc.duplicates.total} (${acc.duplicates.explained} explained by a redelivery or a resend after a dropped connection, ${acc.duplicates.unexplained.length} unexplained)`
  )
  console.log(
    `lost ${acc.lost.length}, wrong content ${acc.wrongContent.length}, unexpected products ${acc.unexpectedProducts}; accounted ${acc.accounted} of ${acc.sent} sent`
  )
  console.log(
    acc.ok
      ? "OK: nothing lost, nothing duplicated without cause"
      : `FAILED: ${
        JSON.stringify({
          lost: acc.lost.slice(0, 10),
          wrong: acc.wrongContent.slice(0, 10),
          unexplained: acc.duplicates.unexplained.slice(0, 10)
        })
      }`
  )
}
process.exit(acc.ok ? 0 : 1)
