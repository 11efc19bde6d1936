import { Effect, Result } from "effect"
import type { WaveHandler } from "../batch/process-batch.ts"
import type { BatchRecord } from "../batch/sqs-event.ts"
import type { AwsError } from "../domain/errors.ts"
import { DYNAMO_PARTITION_KEY_MAX_BYTES, utf8Bytes } from "../domain/limits.ts"
import { decodeMessage } from "../domain/message.ts"
import type { Product } from "../domain/product.ts"
import { DeadLetterQueue, OutputQueue } from "../services/message-queue.ts"
import { ProductStore } from "../services/product-store.ts"
import { deadLetterMessage, lookupResult, outputMessage, productFromAdd } from "./messages.ts"

interface Indexed<A> {
  readonly index: number
  readonly record: BatchRecord
  readonly value: A
}

interface Parked {
  readonly errorType: "InvalidMessage" | "ItemRejected"
  readonly reason: string
}

// The add's product id is its messageId: SQS's are UUIDs, a direct invocation may send anything.
const badProductId = (messageId: string): string | undefined =>
  utf8Bytes(messageId) > DYNAMO_PARTITION_KEY_MAX_BYTES
    ? `the messageId cannot be a product id: over ${DYNAMO_PARTITION_KEY_MAX_BYTES} bytes of UTF-8`
    : undefined

/** AWS refused this record's item on its own: park the record with AWS's reason. */
const rejectedByAws = (error: AwsError): Parked | undefined =>
  error._tag === "AwsItemRejected" ? { errorType: "ItemRejected", reason: `${error.operation} refused it: ${error.code}: ${error.message}` } : undefined

/**
 * The product function for one wave: adds become one batched write, reads one batched get
 * followed by one batched send, and rejected messages one batched send to the DLQ. The three run
 * concurrently; each record is settled as soon as its own part is done. A record whose item AWS
 * refuses on its own is parked in the DLQ too, with AWS's reason.
 */
export const handleProductWave: WaveHandler<ProductStore | OutputQueue | DeadLetterQueue> = (records, settle) =>
  Effect.gen(function*() {
    const store = yield* ProductStore
    const output = yield* OutputQueue
    const deadLetter = yield* DeadLetterQueue

    const adds: Array<Indexed<{ name: string; price: number }>> = []
    const reads: Array<Indexed<string>> = []
    const invalid: Array<Indexed<Parked>> = []
    records.forEach((record, index) => {
      const command = decodeMessage(record.body)
      if (Result.isFailure(command)) invalid.push({ index, record, value: { errorType: "InvalidMessage", reason: command.failure.reason } })
      else if (command.success._tag === "GetProduct") reads.push({ index, record, value: command.success.pk })
      else {
        const problem = badProductId(record.messageId)
        if (problem) invalid.push({ index, record, value: { errorType: "InvalidMessage", reason: problem } })
        else adds.push({ index, record, value: command.success })
      }
    })

    const park = (parked: ReadonlyArray<Indexed<Parked>>) =>
      Effect.gen(function*() {
        if (parked.length === 0) return
        for (const { record, value } of parked) {
          yield* Effect.logWarning("message parked in the dead-letter queue").pipe(
            Effect.annotateLogs({ messageId: record.messageId, errorType: value.errorType, reason: value.reason })
          )
          yield* Effect.logDebug("parked body").pipe(Effect.annotateLogs({ messageId: record.messageId, body: record.body }))
        }
        const sent = yield* deadLetter.sendAll(parked.map(({ record, value }) => deadLetterMessage(record, value.errorType, value.reason)))
        sent.forEach((r, j) =>
          settle(parked[j]!.index, Result.isSuccess(r) ? { _tag: "DeadLettered", reason: parked[j]!.value.reason } : { _tag: "Failed", error: r.failure })
        )
      })

    // Settles what went through or failed for good; what AWS refused on its own goes to `toPark`.
    const settleOrPark = <A>(
      indexed: Indexed<A>,
      result: Result.Result<unknown, AwsError>,
      done: () => Parameters<typeof settle>[1],
      toPark: Array<Indexed<Parked>>
    ) => {
      if (Result.isSuccess(result)) return settle(indexed.index, done())
      const parked = rejectedByAws(result.failure)
      if (parked) toPark.push({ index: indexed.index, record: indexed.record, value: parked })
      else settle(indexed.index, { _tag: "Failed", error: result.failure })
    }

    const addAll = Effect.gen(function*() {
      const products = adds.map(({ record, value }) => productFromAdd(record, value.name, value.price))
      const results = yield* store.putAll(products)
      const refused: Array<Indexed<Parked>> = []
      results.forEach((r, j) => settleOrPark(adds[j]!, r, () => ({ _tag: "Added", pk: products[j]!.pk }), refused))
      yield* park(refused)
    })

    const readAndSend = Effect.gen(function*() {
      const found = yield* store.getAll(reads.map((r) => r.value))
      const toSend: Array<{ read: Indexed<string>; product: Product | undefined }> = []
      const refused: Array<Indexed<Parked>> = []
      found.forEach((r, j) => {
        const read = reads[j]!
        if (Result.isSuccess(r)) toSend.push({ read, product: r.success })
        else settleOrPark(read, r, () => ({ _tag: "Sent", found: false }), refused)
      })
      const sent = yield* output.sendAll(toSend.map(({ read, product }) => outputMessage(read.record, lookupResult(read.value, product))))
      sent.forEach((r, j) => {
        const { read, product } = toSend[j]!
        settleOrPark(read, r, () => ({ _tag: "Sent", found: product !== undefined }), refused)
      })
      yield* park(refused)
    })

    const nonEmpty = [adds.length > 0 ? addAll : undefined, reads.length > 0 ? readAndSend : undefined, invalid.length > 0 ? park(invalid) : undefined]
    yield* Effect.all(nonEmpty.filter((e) => e !== undefined), { concurrency: "unbounded", discard: true })
  })
