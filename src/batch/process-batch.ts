import { Data, Duration, Effect, Option, Result } from "effect"
import { DeadlineExceeded } from "../domain/errors.ts"
import { planRounds } from "./rounds.ts"
import type { BatchRecord } from "./sqs-event.ts"

/** A FIFO record not attempted because an earlier record of its group failed. */
export class GroupHalted extends Data.TaggedError("GroupHalted")<{
  readonly groupId: string
  readonly message: string
}> {}

/** What the engine itself can fail a record with, besides the round handler's own failures. */
export type EngineFailure = DeadlineExceeded | GroupHalted

/**
 * Processes one round of records (see planRounds) and settles each record as soon as its outcome is known, so that a
 * deadline cut keeps whatever already finished. A success is acknowledged; a failure goes back to SQS.
 */
export type RoundHandler<S, F, R> = (
  records: ReadonlyArray<BatchRecord>,
  settle: (record: BatchRecord, outcome: Result.Result<S, F>) => void
) => Effect.Effect<void, never, R>

export interface BatchResult<S, F> {
  /** Every record with its outcome, in the batch's order. */
  readonly outcomes: ReadonlyArray<readonly [BatchRecord, Result.Result<S, F | EngineFailure>]>
  /** Unique message ids of the records SQS must deliver again. */
  readonly batchItemFailures: ReadonlyArray<{ readonly itemIdentifier: string }>
  readonly deadlineHit: boolean
}

/**
 * Runs the batch in rounds (see planRounds) within `budgetMs`. When the budget runs out, work in
 * flight is interrupted (its HTTP requests aborted) and every unsettled record is reported failed.
 * After a failure in a FIFO group, the rest of that group is reported failed without being tried.
 * Untraced: the invocation's span already covers it, and its rounds have spans of their own.
 */
export const processBatch = Effect.fnUntraced(function* processBatch<S, F, R>(
  records: ReadonlyArray<BatchRecord>,
  handleRound: RoundHandler<S, F, R>,
  budgetMs: number
) {
  const outcomes = new Map<BatchRecord, Result.Result<S, F | EngineFailure>>()
  const halted = new Set<string>()
  const settle = (record: BatchRecord, outcome: Result.Result<S, F | EngineFailure>) => {
    outcomes.set(record, outcome)
    if (Result.isFailure(outcome) && record.groupId !== undefined) halted.add(record.groupId)
  }

  const runRounds = Effect.forEach(planRounds(records), (round) => {
    const runnable = round.filter((record) => {
      const group = record.groupId
      if (group === undefined || !halted.has(group)) return true
      const halt = new GroupHalted({ groupId: group, message: "an earlier record of this message group failed" })
      outcomes.set(record, Result.fail(halt))
      return false
    })
    return runnable.length === 0 ? Effect.void : handleRound(runnable, settle)
  }, { discard: true })

  const finished = yield* runRounds.pipe(Effect.timeoutOption(Duration.millis(Math.max(0, budgetMs))))
  const final = records.map((record) =>
    [record, outcomes.get(record) ?? Result.fail(new DeadlineExceeded({ remainingMs: budgetMs }))] as const
  )
  const failedIds = new Set(final.filter(([, o]) => Result.isFailure(o)).map(([r]) => r.messageId))
  return {
    outcomes: final,
    batchItemFailures: [...failedIds].map((itemIdentifier) => ({ itemIdentifier })),
    deadlineHit: Option.isNone(finished)
  } satisfies BatchResult<S, F>
})

/**
 * How long before Lambda's timeout to stop: 10% of the remaining time, between 200 ms and 1 s. The floor
 * covers a cut that falls due late: at 128 MB the CPU quota can hold the process for up to ~93 ms of each
 * 100 ms period, and timers fired 30-70 ms late on one busy core here; with 100 ms the handler answered
 * after a 1 s deadline (1,005 ms).
 */
export const safetyMarginMs = (remainingMs: number): number => Math.min(1_000, Math.max(200, remainingMs * 0.1))
