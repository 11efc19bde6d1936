import type { Message } from "@aws-sdk/client-sqs"

export type PlannedMessage =
  | { readonly kind: "add"; readonly body: string; readonly name: string; readonly price: number }
  | { readonly kind: "read-existing"; readonly body: string; readonly pk: string }
  | { readonly kind: "read-missing"; readonly body: string; readonly pk: string }
  | { readonly kind: "poison"; readonly body: string }

export interface Evidence {
  readonly products: ReadonlyArray<Record<string, unknown>>
  readonly output: ReadonlyArray<Message>
  readonly deadLetters: ReadonlyArray<Message>
  /** How many times the event source mapping handed each message to the function. */
  readonly deliveries: ReadonlyMap<string, number>
  /** Sends for a message (by its id) that reached SQS although the caller saw the connection drop. */
  readonly hiddenSends?: ReadonlyMap<string, number>
  readonly seeded: ReadonlyMap<string, Record<string, unknown>>
}

export interface Accounting {
  readonly sent: number
  readonly byKind: Record<PlannedMessage["kind"], number>
  /** Processed as intended (product stored, answer sent, or parked in the DLQ with its reason). */
  readonly processed: number
  /** Not processed but moved to the DLQ by the redrive policy after maxReceiveCount receives. */
  readonly redriven: number
  readonly lost: ReadonlyArray<string>
  readonly wrongContent: ReadonlyArray<string>
  /** Extra copies (output or DLQ) and how many of them a forced resend explains. */
  readonly duplicates: {
    readonly total: number
    readonly explained: number
    readonly unexplained: ReadonlyArray<string>
  }
  readonly unexpectedProducts: number
  readonly accounted: number
  readonly ok: boolean
}

const attr = (m: Message, name: string) => m.MessageAttributes?.[name]?.StringValue

/**
 * Checks that every message had its effect exactly as the contract says: one product per add keyed
 * by the message id with the right content, at least one correct answer per read, each poison
 * message in the DLQ with its reason; duplicates only where the message was delivered again.
 */
export const account = (plan: ReadonlyMap<string, PlannedMessage>, evidence: Evidence): Accounting => {
  const products = new Map(evidence.products.map((p) => [String(p.pk), p]))
  const answers = new Map<string, Array<Message>>()
  for (const m of evidence.output) {
    const id = attr(m, "correlationId") ?? ""
    answers.set(id, [...(answers.get(id) ?? []), m])
  }
  const parked = new Map<string, Array<Message>>()
  const redrivenIds = new Set<string>()
  for (const m of evidence.deadLetters) {
    const source = attr(m, "sourceMessageId")
    if (source) parked.set(source, [...(parked.get(source) ?? []), m])
    else if (m.MessageId) redrivenIds.add(m.MessageId) // redrive keeps the original message id
  }
  const lost: Array<string> = []
  const wrongContent: Array<string> = []
  const unexplained: Array<string> = []
  let processed = 0
  let redriven = 0
  let duplicates = 0
  let explained = 0
  const byKind = { add: 0, "read-existing": 0, "read-missing": 0, poison: 0 }
  const copies = (id: string, n: number) => {
    if (n <= 1) return
    duplicates += n - 1
    const resends = (evidence.deliveries.get(id) ?? 1) - 1 + (evidence.hiddenSends?.get(id) ?? 0)
    explained += Math.min(n - 1, resends)
    if (n - 1 > resends) unexplained.push(id)
  }
  for (const [id, m] of plan) {
    byKind[m.kind]++
    let done = false
    if (m.kind === "add") {
      const p = products.get(id)
      if (p) {
        done = true
        if (p.name !== m.name || p.price !== m.price) wrongContent.push(id)
      }
    } else if (m.kind === "poison") {
      const copiesOf = parked.get(id) ?? []
      if (copiesOf.length > 0) {
        done = true
        if (
          copiesOf.some((c) =>
            attr(c, "errorType") !== "InvalidMessage" || !attr(c, "errorMessage") || c.Body !== m.body
          )
        ) wrongContent.push(id)
        copies(id, copiesOf.length)
      }
    } else {
      const got = answers.get(id) ?? []
      if (got.length > 0) {
        done = true
        const expected = m.kind === "read-existing" ? evidence.seeded.get(m.pk) : undefined
        for (const answer of got) {
          const body = JSON.parse(answer.Body ?? "null")
          const right = m.kind === "read-existing"
            ? attr(answer, "outcome") === "found" && body.pk === m.pk && body.name === expected?.name &&
              body.price === expected?.price
            : attr(answer, "outcome") === "not_found" && body.pk === m.pk && body.error === "ProductNotFound"
          if (!right) wrongContent.push(id)
        }
        copies(id, got.length)
      }
    }
    if (done) processed++
    else if (redrivenIds.has(id)) redriven++
    else lost.push(id)
  }
  const expectedPks = new Set([...plan].filter(([, m]) => m.kind === "add").map(([id]) => id))
  const unexpectedProducts =
    evidence.products.filter((p) => !expectedPks.has(String(p.pk)) && !evidence.seeded.has(String(p.pk))).length
  const accounted = processed + redriven
  return {
    sent: plan.size,
    byKind,
    processed,
    redriven,
    lost,
    wrongContent: [...new Set(wrongContent)],
    duplicates: { total: duplicates, explained, unexplained },
    unexpectedProducts,
    accounted,
    ok: lost.length === 0 && wrongContent.length === 0 && unexplained.length === 0 && unexpectedProducts === 0 &&
      accounted === plan.size
  }
}
