import type { EmfTotals } from "../../local/metrics/emf-summary.ts"
import { productName } from "./workload-bodies.ts"

/**
 * How an add run's products add up: `sentIds`, every message sent in order (the warm-up's first), each
 * must have added its product, named by its number in the run; products beyond them are duplicates
 * (a repeated add overwrites its product, keyed by the message id).
 */
export const accountProducts = (
  sentIds: ReadonlyArray<string>,
  products: ReadonlyArray<{ readonly pk?: unknown; readonly name?: unknown }>
): { readonly lost: number; readonly duplicated: number } => {
  const byPk = new Map(products.map((p) => [String(p.pk), p]))
  return {
    lost: sentIds.filter((id, i) => byPk.get(id)?.name !== productName(i)).length,
    duplicated: Math.max(0, products.length - sentIds.length)
  }
}

/**
 * How a read run's answers add up: the requests sent, the answers the function says it sent (its EMF
 * counts), and the answers found on the output queue. A request with no answer found is "lost" only
 * when the function does not claim to have sent it; answers it claims but the queue did not give back
 * are "unaccounted": a shortfall of the count (the drain, the emulator), not of the function.
 */
export interface AnswerAccounting {
  /** Requests with at least one answer on the output queue. */
  readonly found: number
  /** Requests with no answer found and none claimed by the function. */
  readonly lost: number
  /** Answers the function says it sent that the output queue did not give back. */
  readonly unaccounted: number
  /** Answers beyond the first for the same request. */
  readonly duplicated: number
}

/** A read run's answers, as the report shows them. */
export interface Answers {
  /** Requests sent, the warm-up's included. */
  readonly requests: number
  /** Answers the function says it sent (its EMF found + not found); undefined without metrics. */
  readonly claimed: number | undefined
  /** Entries the latency proxies saw sent to the output queue. */
  readonly proxied: number
  readonly found: number
  readonly unaccounted: number
  /** Empty receives of the drain while the queue still counted messages (retried). */
  readonly drainRetries: number
  /** Messages the output queue still counted when the drain stopped. */
  readonly leftOnQueue: number
}

/**
 * `requested`: the input messages' ids; `correlations`: the correlation id of every answer found;
 * `claimedSent`: answers the function counted as sent, undefined when it reports no metrics (then
 * every request without an answer is lost, as before).
 */
export const accountAnswers = (
  requested: ReadonlyArray<string>,
  correlations: ReadonlyArray<string>,
  claimedSent: number | undefined
): AnswerAccounting => {
  const seen = new Set(correlations)
  const found = requested.filter((id) => seen.has(id)).length
  const missing = requested.length - found
  const unaccounted = claimedSent === undefined ? 0 : Math.min(missing, Math.max(0, claimedSent - found))
  return { found, lost: missing - unaccounted, unaccounted, duplicated: correlations.length - seen.size }
}

/**
 * Answers the function says it sent (EMF found + not found), summed over the run's collectors (the
 * warm-up's and the measured rounds'); undefined when it printed no metrics at all.
 */
export const claimedAnswers = (totals: ReadonlyArray<EmfTotals>): number | undefined =>
  totals.some((t) => t.invocations > 0)
    ? totals.reduce((n, t) => n + (t.sums.ReadsFound ?? 0) + (t.sums.ReadsNotFound ?? 0), 0)
    : undefined

/** Entries a SendMessage or SendMessageBatch call (JSON protocol, as a proxy sees it) sends to `queueUrl`. */
export const entriesSentTo = (queueUrl: string, operation: string, body: string): number => {
  if (operation !== "SendMessageBatch" && operation !== "SendMessage") return 0
  try {
    const request = JSON.parse(body) as { QueueUrl?: unknown; Entries?: unknown }
    if (request.QueueUrl !== queueUrl) return 0
    return operation === "SendMessage" ? 1 : Array.isArray(request.Entries) ? request.Entries.length : 0
  } catch {
    return 0
  }
}
