import { Schema } from "effect"

/** The body breaks the message contract: it goes to the dead-letter queue, never retried. */
export class InvalidMessage extends Schema.TaggedError<InvalidMessage>()("InvalidMessage", {
  reason: Schema.String
}) {}

/** A `{"pk"}` read found no product: answered on the output queue, not an error for the record. */
export class ProductNotFound extends Schema.TaggedError<ProductNotFound>()("ProductNotFound", {
  pk: Schema.String
}) {}

/** Throttling, 5xx, network or timeout: worth retrying, and handed back to SQS if it persists. */
export class AwsTransientError extends Schema.TaggedError<AwsTransientError>()("AwsTransientError", {
  operation: Schema.String,
  code: Schema.String,
  message: Schema.String
}) {}

/** Missing table, access denied, validation: retrying within the invocation cannot help. */
export class AwsPermanentError extends Schema.TaggedError<AwsPermanentError>()("AwsPermanentError", {
  operation: Schema.String,
  code: Schema.String,
  message: Schema.String
}) {}

/**
 * AWS refused this item in a request that held only it (a validation or serialisation error):
 * the item itself is at fault, so its record is parked in the dead-letter queue with the reason.
 */
export class AwsItemRejected extends Schema.TaggedError<AwsItemRejected>()("AwsItemRejected", {
  operation: Schema.String,
  code: Schema.String,
  message: Schema.String
}) {}

export type AwsError = AwsTransientError | AwsPermanentError | AwsItemRejected

/** The record was not finished before the invocation's safety margin ran out. */
export class DeadlineExceeded extends Schema.TaggedError<DeadlineExceeded>()("DeadlineExceeded", {
  remainingMs: Schema.Number
}) {}

/** The event handed to the function is not an SQS event: the whole invocation fails. */
export class InvalidEvent extends Schema.TaggedError<InvalidEvent>()("InvalidEvent", {
  reason: Schema.String
}) {}
