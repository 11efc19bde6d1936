import { Duration, Effect, Option } from "effect"
import { DeadlineExceeded } from "../domain/errors.ts"
import type { RecordOutcome } from "./outcome.ts"
import { planRounds } from "./rounds.ts"
import type { BatchRecord } from "./sqs-event.ts"

/**
 * Processes one wave of records and settles each record (by its index in the wave) as soon as its
 * outcome is known, so that a deadline cut keeps whatever already finished.
 */
export type WaveHandler<R> = (
  records: ReadonlyArray<BatchRecord>,
  settle: (index: number, outcome: RecordOutcome) => void
) => Effect.Effect<void, never, R>

export interface BatchResult {
  readonly outcomes: ReadonlyArray<RecordOutcome>
  /** Unique message ids of the records SQS must deliver again. */
  readonly batchItemFailures: ReadonlyArray<{ readonly itemIdentifier: string }>
  readonly deadlineHit: boolean
}

/**
 * Runs the batch in rounds (see planRounds) within `budgetMs`. When the budget runs out, work in
 * flight is interrupted (its HTTP requests aborted) and every unsettled record is reported failed.
 * After a failure in a FIFO group, the rest of that group is reported failed without being tried.
 */
export const processBatch = <R>(
  records: ReadonlyArray<BatchRecord>,
  handleWave: WaveHandler<R>,
  budgetMs: number
): Effect.Effect<BatchResult, never, R> =>
  Effect.gen(function*() {
    const outcomes = new Array<RecordOutcome | undefined>(records.length)
    const halted = new Set<string>()

    const runRounds = Effect.forEach(planRounds(records), (round) => {
      const wave = round.filter((i) => {
        const group = records[i]!.groupId
        if (group === undefined || !halted.has(group)) return true
        outcomes[i] = {
          _tag: "Failed",
          error: { _tag: "GroupHalted", groupId: group, message: "an earlier record of this message group failed" }
        }
        return false
      })
      if (wave.length === 0) return Effect.void
      return handleWave(wave.map((i) => records[i]!), (j, outcome) => {
        const index = wave[j]!
        outcomes[index] = outcome
        const group = records[index]!.groupId
        if (outcome._tag === "Failed" && group !== undefined) halted.add(group)
      })
    }, { discard: true })

    const finished = yield* runRounds.pipe(Effect.timeoutOption(Duration.millis(Math.max(0, budgetMs))))
    const deadlineHit = Option.isNone(finished)
    // Array.from, not map: map skips the holes of records that never settled.
    const final = Array.from(outcomes, (o): RecordOutcome =>
      o ?? { _tag: "Failed", error: new DeadlineExceeded({ remainingMs: budgetMs }) }
    )
    const failedIds = new Set(records.filter((_, i) => final[i]!._tag === "Failed").map((r) => r.messageId))
    return {
      outcomes: final,
      batchItemFailures: [...failedIds].map((itemIdentifier) => ({ itemIdentifier })),
      deadlineHit
    }
  })

/** How long before Lambda's timeout to stop: 10% of the remaining time, between 100 ms and 1 s. */
export const safetyMarginMs = (remainingMs: number): number => Math.min(1_000, Math.max(100, remainingMs * 0.1))
