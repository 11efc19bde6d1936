/**
 * One record of an SQS event as Lambda's event source mapping hands it to a function, for the scripts that
 * invoke the function without a mapping (bench/hot-path-runner.ts, bench/bare-runtime-api.ts). Only node:
 * built-ins and erasable syntax: the hot path's runner also runs on Node.js, which strips the types.
 */
import { createHash, randomUUID } from "node:crypto"

export const sqsRecord = (body: string, now: string) => ({
  messageId: randomUUID(),
  receiptHandle: `AQEB${randomUUID()}`,
  body,
  attributes: {
    ApproximateReceiveCount: "1",
    SentTimestamp: now,
    SenderId: "AIDAEXAMPLE",
    ApproximateFirstReceiveTimestamp: now
  },
  messageAttributes: {},
  md5OfBody: createHash("md5").update(body).digest("hex"),
  eventSource: "aws:sqs",
  eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:bench-input",
  awsRegion: "us-east-1"
})
