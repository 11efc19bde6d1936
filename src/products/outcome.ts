import { Result } from "effect"
import type { EngineFailure } from "../batch/process-batch.ts"
import type { AwsError } from "../domain/errors.ts"

/** How a record of the product function ended well (acknowledged to SQS). */
export type ProductOutcome =
  | { readonly _tag: "Added"; readonly pk: string }
  | { readonly _tag: "Sent"; readonly found: boolean }
  | { readonly _tag: "DeadLettered"; readonly reason: string }

/** Why a record goes back to SQS. */
export type ProductFailure = AwsError | EngineFailure

export interface BatchCounts {
  readonly added: number
  readonly sent: number
  readonly notFound: number
  readonly invalid: number
  readonly failed: number
}

export const countOutcomes = (outcomes: ReadonlyArray<Result.Result<ProductOutcome, ProductFailure>>): BatchCounts => {
  const ok = outcomes.flatMap((o) => (Result.isSuccess(o) ? [o.success] : []))
  return {
    added: ok.filter((o) => o._tag === "Added").length,
    sent: ok.filter((o) => o._tag === "Sent" && o.found).length,
    notFound: ok.filter((o) => o._tag === "Sent" && !o.found).length,
    invalid: ok.filter((o) => o._tag === "DeadLettered").length,
    failed: outcomes.length - ok.length
  }
}

/** A failure as the logs name it: tag, and for AWS errors the operation and code. */
export const describeFailure = (error: ProductFailure): string =>
  "code" in error ? `${error._tag}:${error.operation}:${error.code}` : error._tag
