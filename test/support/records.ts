import type { SQSEvent, SQSRecord } from "aws-lambda"

let counter = 0

/** An SQS record shaped as Lambda delivers it. */
export const sqsRecord = (
  body: string,
  overrides: { messageId?: string; groupId?: string; sentTimestamp?: number } = {}
): SQSRecord => {
  const messageId = overrides.messageId ?? `msg-${++counter}`
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: String(overrides.sentTimestamp ?? 1_700_000_000_000),
      SenderId: "AIDAEXAMPLE",
      ApproximateFirstReceiveTimestamp: "1700000000100",
      ...(overrides.groupId
        ? { MessageGroupId: overrides.groupId, MessageDeduplicationId: messageId, SequenceNumber: "1" }
        : {})
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:input",
    awsRegion: "us-east-1"
  }
}

export const sqsEvent = (...records: Array<SQSRecord>): SQSEvent => ({ Records: records })

export const invocationContext = (remainingMs = 30_000, requestId = "req-1") => {
  const deadline = Date.now() + remainingMs
  return { awsRequestId: requestId, getRemainingTimeInMillis: () => deadline - Date.now() }
}
