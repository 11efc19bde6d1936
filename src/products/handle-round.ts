import { Effect, Result } from "effect"
import { allAtOnce } from "../batch/all-at-once.ts"
import type { RoundHandler } from "../batch/process-batch.ts"
import type { BatchRecord } from "../batch/sqs-event.ts"
import type { AwsError } from "../domain/errors.ts"
import { DYNAMO_PARTITION_KEY_MAX_BYTES, utf8Bytes } from "../domain/limits.ts"
import { decodeMessage } from "../domain/message.ts"
import type { Product } from "../domain/product.ts"
import { tracedSpan } from "../observability/span.ts"
import { DeadLetterQueue, type OutgoingMessage, OutputQueue } from "../services/message-queue.ts"
import { ProductStore } from "../services/product-store.ts"
import { deadLetterMessage, lookupResult, outputMessage, productFromAdd } from "./messages.ts"
import type { ProductOutcome } from "./outcome.ts"

interface Add {
  readonly record: BatchRecord
  readonly product: Product
}

interface Read {
  readonly record: BatchRecord
  readonly pk: string
}

interface Answer {
  readonly record: BatchRecord
  readonly message: OutgoingMessage
  readonly found: boolean
}

interface Parked {
  readonly record: BatchRecord
  readonly message: OutgoingMessage
  readonly reason: string
}

const parked = (record: BatchRecord, errorType: "InvalidMessage" | "ItemRejected", reason: string): Parked => ({
  record,
  message: deadLetterMessage(record, errorType, reason),
  reason
})

// The add's product id is its messageId: SQS's are UUIDs, a direct invocation may send anything.
const badProductId = (messageId: string): string | undefined =>
  utf8Bytes(messageId) > DYNAMO_PARTITION_KEY_MAX_BYTES
    ? `the messageId cannot be a product id: over ${DYNAMO_PARTITION_KEY_MAX_BYTES} bytes of UTF-8`
    : undefined

type Services = ProductStore | OutputQueue | DeadLetterQueue

/**
 * The product function for one round: adds become batched writes, reads batched gets each followed
 * by a batched send of its answers, and rejected messages batched sends to the DLQ, all at once.
 * Each record is settled as soon as the request that carried it is done, so a deadline cut keeps
 * what finished. A record whose item AWS refuses on its own is parked in the DLQ with AWS's reason.
 * Its spans are Effect.fn's without their cost when tracing is off (tracedSpan).
 */
export const handleProductRound: RoundHandler<ProductOutcome, AwsError, Services> = Effect.fnUntraced(
  function*(records, settle) {
    yield* Effect.annotateCurrentSpan("records", records.length)
    const store = yield* ProductStore
    const output = yield* OutputQueue
    const deadLetter = yield* DeadLetterQueue

    const adds: Array<Add> = []
    const reads: Array<Read> = []
    const invalid: Array<Parked> = []
    for (const record of records) {
      const command = decodeMessage(record.body)
      if (Result.isFailure(command)) invalid.push(parked(record, "InvalidMessage", command.failure.reason))
      else if (command.success._tag === "GetProduct") reads.push({ record, pk: command.success.pk })
      else {
        const problem = badProductId(record.messageId)
        if (problem) invalid.push(parked(record, "InvalidMessage", problem))
        else adds.push({ record, product: productFromAdd(record, command.success.name, command.success.price) })
      }
    }

    const parkAll = Effect.fnUntraced(function*(toPark: ReadonlyArray<Parked>) {
      for (const { record, message, reason } of toPark) {
        yield* Effect.logWarning("message parked in the dead-letter queue").pipe(
          Effect.annotateLogs({ messageId: record.messageId, errorType: message.attributes.errorType, reason })
        )
        yield* Effect.logDebug("parked body").pipe(
          Effect.annotateLogs({ messageId: record.messageId, body: record.body })
        )
      }
      yield* deadLetter.sendAll(toPark, (p) => p.message, (results) =>
        Effect.sync(() => {
          for (const [p, r] of results) {
            if (Result.isFailure(r)) settle(p.record, Result.fail(r.failure))
            else settle(p.record, Result.succeed({ _tag: "DeadLettered", reason: p.reason }))
          }
        }))
    }, tracedSpan("park"))
    // Called after every kind of work, mostly with nothing to park: no step, no span, for nothing.
    const park = (toPark: ReadonlyArray<Parked>) => toPark.length === 0 ? Effect.void : parkAll(toPark)

    /** A failure goes back to SQS, unless AWS refused the record's item on its own: that one is parked. */
    const failOrPark = (record: BatchRecord, error: AwsError, toPark: Array<Parked>) => {
      if (error._tag !== "AwsItemRejected") return settle(record, Result.fail(error))
      toPark.push(parked(record, "ItemRejected", `${error.operation} refused it: ${error.code}: ${error.message}`))
    }

    const addAll = adds.length === 0 ? Effect.void : store.putAll(adds, (add) => add.product, (results) => {
      const refused: Array<Parked> = []
      for (const [add, r] of results) {
        if (Result.isSuccess(r)) settle(add.record, Result.succeed({ _tag: "Added", pk: add.product.pk }))
        else failOrPark(add.record, r.failure, refused)
      }
      return park(refused)
    })

    const answer = (answers: ReadonlyArray<Answer>) =>
      output.sendAll(answers, (a) => a.message, (results) => {
        const refused: Array<Parked> = []
        for (const [a, r] of results) {
          if (Result.isSuccess(r)) settle(a.record, Result.succeed({ _tag: "Sent", found: a.found }))
          else failOrPark(a.record, r.failure, refused)
        }
        return park(refused)
      })

    // Each batch of reads is answered as soon as it is read, not after every read of the round.
    const readAll = reads.length === 0 ? Effect.void : store.getAll(reads, (read) => read.pk, (results) => {
      const answers: Array<Answer> = []
      const refused: Array<Parked> = []
      for (const [read, r] of results) {
        if (Result.isFailure(r)) failOrPark(read.record, r.failure, refused)
        else {
          const message = outputMessage(read.record, lookupResult(read.pk, r.success))
          answers.push({ record: read.record, message, found: r.success !== undefined })
        }
      }
      return allAtOnce([answer(answers), park(refused)])
    })

    yield* allAtOnce([addAll, readAll, park(invalid)])
  },
  tracedSpan("handleProductRound")
)
