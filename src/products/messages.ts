import { Result } from "effect"
import type { BatchRecord } from "../batch/sqs-event.ts"
import { ProductNotFound } from "../domain/errors.ts"
import { fifoId } from "../domain/fifo-id.ts"
import { SQS_MESSAGE_MAX_BYTES, sqsMessageBytes, utf8Bytes } from "../domain/limits.ts"
import type { Product } from "../domain/product.ts"
import { cutToBytes, isSqsSafe, toSqsText, truncate } from "../domain/sqs-text.ts"
import type { OutgoingMessage } from "../services/message-queue.ts"

export const MAX_ERROR_MESSAGE_LENGTH = 512

// FIFO targets keep the source group's order; the source message id deduplicates resends. Fed from
// a standard queue (no group), a read's answers are grouped by product id, a DLQ message by its own
// id. Ids SQS would refuse (a pk of any characters, up to 2,048 bytes) are replaced by a hash.
const fifoFields = (record: BatchRecord, fallbackGroup: string) => ({
  groupId: fifoId(record.groupId ?? fallbackGroup),
  deduplicationId: fifoId(record.messageId)
})

/** What a `{"pk"}` read sends to the output queue: the product, or the not-found answer. */
export const outputMessage = (record: BatchRecord, lookup: Result.Result<Product, ProductNotFound>): OutgoingMessage =>
  Result.match(lookup, {
    onSuccess: (product) => ({
      body: JSON.stringify(product),
      attributes: { outcome: "found", correlationId: record.messageId },
      ...fifoFields(record, product.pk)
    }),
    onFailure: (notFound) => ({
      body: JSON.stringify({ pk: notFound.pk, error: notFound._tag }),
      attributes: { outcome: "not_found", correlationId: record.messageId },
      ...fifoFields(record, notFound.pk)
    })
  })

/** A read's result as the domain sees it: the product, or ProductNotFound. */
export const lookupResult = (pk: string, product: Product | undefined): Result.Result<Product, ProductNotFound> =>
  product === undefined ? Result.fail(new ProductNotFound({ pk })) : Result.succeed(product)

// Room kept for the attributes that say how the body was altered.
const ALTERATION_ROOM = 128

/**
 * What a rejected message becomes on the dead-letter queue: its original body and why. A body SQS
 * could not carry next to the reason (characters SQS refuses, which only a direct invocation can
 * deliver; no room left under 1 MiB; empty) is sent altered, and the attributes `bodyAltered`
 * and `originalBodyBytes` say so: the reason always reaches the DLQ.
 */
export const deadLetterMessage = (record: BatchRecord, errorType: string, reason: string): OutgoingMessage => {
  const attributes: Record<string, string> = {
    errorType,
    errorMessage: truncate(toSqsText(reason), MAX_ERROR_MESSAGE_LENGTH),
    sourceMessageId: truncate(toSqsText(record.messageId), MAX_ERROR_MESSAGE_LENGTH)
  }
  const altered: Array<string> = []
  let body = record.body
  if (!isSqsSafe(body)) {
    body = toSqsText(body)
    altered.push("sanitised")
  }
  const room = SQS_MESSAGE_MAX_BYTES - sqsMessageBytes({ body: "", attributes }) - ALTERATION_ROOM
  if (utf8Bytes(body) > room) {
    body = cutToBytes(body, room)
    altered.push("truncated")
  }
  if (body.length === 0) {
    body = "(empty body)"
    altered.push("empty")
  }
  if (altered.length > 0) {
    attributes.bodyAltered = altered.join(",")
    attributes.originalBodyBytes = String(utf8Bytes(record.body))
  }
  return { body, attributes, ...fifoFields(record, record.messageId) }
}

/** The stored item: only derived from the message, so a redelivery writes the very same item. */
export const productFromAdd = (record: BatchRecord, name: string, price: number): Product => ({
  pk: record.messageId,
  name,
  price,
  ...(record.sentTimestamp === undefined ? {} : { createdAt: new Date(record.sentTimestamp).toISOString() })
})
