import type { Message } from "@aws-sdk/client-sqs"
import type { InvocationRecord } from "../event-source/event-source-mapping.ts"
import { reportLine } from "../runtime-api/report.ts"

const tty = process.stdout.isTTY
export const bold = (text: string) => (tty ? `\x1b[1m${text}\x1b[0m` : text)
export const dim = (text: string) => (tty ? `\x1b[2m${text}\x1b[0m` : text)

export const heading = (text: string) => `\n${bold(text)}`

/** One line per invocation: what the event source mapping did, then Lambda's REPORT line. */
export const invocationLines = (r: InvocationRecord): Array<string> => {
  const n = r.event.Records.length
  const outcome = r.result.status === "success"
    ? r.settlement.kind === "partial"
      ? `${r.settlement.succeeded.length}/${n} deleted, ${r.settlement.failed.length} left for retry`
      : `whole batch failed (${r.settlement.reason})`
    : `${r.result.status}: ${r.result.error.errorType} ${r.result.error.errorMessage}`
  return [
    `${r.coldStart ? "cold" : "warm"} invocation, ${n} record${n === 1 ? "" : "s"}: ${outcome}`,
    dim(reportLine(r.result.report))
  ]
}

export const attributesOf = (m: Message) =>
  Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? v.BinaryValue]))
