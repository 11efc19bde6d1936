import type { AwsError, DeadlineExceeded } from "../domain/errors.ts"

/** How one record ended. Only `Failed` records are handed back to SQS. */
export type RecordOutcome =
  | { readonly _tag: "Added"; readonly pk: string }
  | { readonly _tag: "Sent"; readonly found: boolean }
  | { readonly _tag: "DeadLettered"; readonly reason: string }
  | { readonly _tag: "Failed"; readonly error: AwsError | DeadlineExceeded | GroupHalted }

/** A FIFO record not attempted because an earlier record of its group failed. */
export interface GroupHalted {
  readonly _tag: "GroupHalted"
  readonly groupId: string
  readonly message: string
}

export interface BatchCounts {
  readonly added: number
  readonly sent: number
  readonly notFound: number
  readonly invalid: number
  readonly retried: number
  readonly failed: number
}

export const countOutcomes = (outcomes: ReadonlyArray<RecordOutcome>, retried: number): BatchCounts => ({
  added: outcomes.filter((o) => o._tag === "Added").length,
  sent: outcomes.filter((o) => o._tag === "Sent" && o.found).length,
  notFound: outcomes.filter((o) => o._tag === "Sent" && !o.found).length,
  invalid: outcomes.filter((o) => o._tag === "DeadLettered").length,
  retried,
  failed: outcomes.filter((o) => o._tag === "Failed").length
})
