import type { Message, MessageAttributeValue } from "@aws-sdk/client-sqs"
import type { SQSEvent, SQSMessageAttribute, SQSRecord } from "aws-lambda"

const ATTRIBUTES = [
  "ApproximateReceiveCount",
  "SentTimestamp",
  "SenderId",
  "ApproximateFirstReceiveTimestamp",
  "SequenceNumber",
  "MessageGroupId",
  "MessageDeduplicationId",
  "AWSTraceHeader",
  "DeadLetterQueueSourceArn"
] as const

const toBase64 = (
  bytes: Uint8Array | undefined
) => (bytes === undefined ? undefined : Buffer.from(bytes).toString("base64"))

// Lambda's shape differs from the SQS API's: camelCase keys, base64 binaries, both list fields always present.
const lambdaAttribute = (a: MessageAttributeValue): SQSMessageAttribute => ({
  ...(a.StringValue === undefined ? {} : { stringValue: a.StringValue }),
  ...(a.BinaryValue === undefined ? {} : { binaryValue: toBase64(a.BinaryValue) }),
  stringListValues: a.StringListValues ?? [],
  binaryListValues: (a.BinaryListValues ?? []).map((b) => toBase64(b)!),
  dataType: (a.DataType ?? "String") as SQSMessageAttribute["dataType"]
})

/** One received SQS message as Lambda's SQS event source mapping hands it to a function. */
export const lambdaRecord = (message: Message, queueArn: string): SQSRecord => {
  const region = queueArn.split(":")[3] ?? "us-east-1"
  const attributes = Object.fromEntries(
    ATTRIBUTES.filter((k) => message.Attributes?.[k] !== undefined).map((k) => [k, message.Attributes![k]!])
  )
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? "",
    attributes: attributes as unknown as SQSRecord["attributes"],
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [k, lambdaAttribute(v)])
    ),
    md5OfBody: message.MD5OfBody ?? "",
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region
  }
}

export const lambdaEvent = (messages: ReadonlyArray<Message>, queueArn: string): SQSEvent => ({
  Records: messages.map((m) => lambdaRecord(m, queueArn))
})
