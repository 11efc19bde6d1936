import type { MessageAttributeValue } from "@aws-sdk/client-sqs"

/**
 * A message's attributes as SQS message attributes: every value a String. A module of its own so that
 * the one-at-a-time baseline (bench/baseline/) builds its SendMessage the same way without loading the queue.
 */
export const messageAttributes = (
  attributes: Readonly<Record<string, string>>
): Record<string, MessageAttributeValue> =>
  Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: "String", StringValue: v }]))
