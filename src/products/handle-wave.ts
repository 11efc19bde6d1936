import { Effect, Result } from "effect"
import type { WaveHandler } from "../batch/process-batch.ts"
import type { BatchRecord } from "../batch/sqs-event.ts"
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

/**
 * The product function for one wave: adds become one batched write, reads one batched get
 * followed by one batched send, and rejected messages one batched send to the DLQ. The three run
 * concurrently; each record is settled as soon as its own part is done.
 */
export const handleProductWave: WaveHandler<ProductStore | OutputQueue | DeadLetterQueue> = (records, settle) =>
  Effect.gen(function*() {
    const store = yield* ProductStore
    const output = yield* OutputQueue
    const deadLetter = yield* DeadLetterQueue

    const adds: Array<Indexed<{ name: string; price: number }>> = []
    const reads: Array<Indexed<string>> = []
    const invalid: Array<Indexed<string>> = []
    records.forEach((record, index) => {
      const command = decodeMessage(record.body)
      if (Result.isFailure(command)) invalid.push({ index, record, value: command.failure.reason })
      else if (command.success._tag === "AddProduct") adds.push({ index, record, value: command.success })
      else reads.push({ index, record, value: command.success.pk })
    })

    const addAll = Effect.gen(function*() {
      const products = adds.map(({ record, value }) => productFromAdd(record, value.name, value.price))
      const results = yield* store.putAll(products)
      results.forEach((r, j) =>
        settle(adds[j]!.index, Result.isSuccess(r) ? { _tag: "Added", pk: products[j]!.pk } : { _tag: "Failed", error: r.failure })
      )
    })

    const readAndSend = Effect.gen(function*() {
      const found = yield* store.getAll(reads.map((r) => r.value))
      const toSend: Array<{ read: Indexed<string>; product: Product | undefined }> = []
      found.forEach((r, j) => {
        const read = reads[j]!
        if (Result.isFailure(r)) settle(read.index, { _tag: "Failed", error: r.failure })
        else toSend.push({ read, product: r.success })
      })
      const sent = yield* output.sendAll(toSend.map(({ read, product }) => outputMessage(read.record, lookupResult(read.value, product))))
      sent.forEach((r, j) => {
        const { read, product } = toSend[j]!
        settle(read.index, Result.isSuccess(r) ? { _tag: "Sent", found: product !== undefined } : { _tag: "Failed", error: r.failure })
      })
    })

    const deadLetterAll = Effect.gen(function*() {
      for (const { record, value } of invalid) {
        yield* Effect.logWarning("message rejected, sent to the dead-letter queue").pipe(
          Effect.annotateLogs({ messageId: record.messageId, reason: value })
        )
        yield* Effect.logDebug("rejected body").pipe(Effect.annotateLogs({ messageId: record.messageId, body: record.body }))
      }
      const sent = yield* deadLetter.sendAll(invalid.map(({ record, value }) => deadLetterMessage(record, "InvalidMessage", value)))
      sent.forEach((r, j) =>
        settle(invalid[j]!.index, Result.isSuccess(r) ? { _tag: "DeadLettered", reason: invalid[j]!.value } : { _tag: "Failed", error: r.failure })
      )
    })

    const nonEmpty = [adds.length > 0 ? addAll : undefined, reads.length > 0 ? readAndSend : undefined, invalid.length > 0 ? deadLetterAll : undefined]
    yield* Effect.all(nonEmpty.filter((e) => e !== undefined), { concurrency: "unbounded", discard: true })
  })
