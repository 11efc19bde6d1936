import { describe, expect, test } from "bun:test"
import { settleBatch } from "../../local/event-source/batch-response.ts"
import { lambdaRecord } from "../../local/event-source/lambda-sqs-event.ts"

const ids = ["a", "b", "c"]

describe("ReportBatchItemFailures, as Lambda applies it", () => {
  test.each([
    ["null", "null"],
    ["an empty object", "{}"],
    ["an empty list", `{"batchItemFailures":[]}`],
    ["a null list", `{"batchItemFailures":null}`],
    ["a non-object response", `"done"`]
  ])("%s means every record succeeded", (_, payload) => {
    expect(settleBatch(ids, { functionError: false, payload })).toEqual({ kind: "partial", succeeded: ids, failed: [] })
  })

  test("listed records fail, the others succeed; duplicates count once", () => {
    expect(
      settleBatch(ids, {
        functionError: false,
        payload: `{"batchItemFailures":[{"itemIdentifier":"b"},{"itemIdentifier":"b"}]}`
      })
    )
      .toEqual({ kind: "partial", succeeded: ["a", "c"], failed: ["b"] })
  })

  test.each([
    ["an empty identifier", `{"batchItemFailures":[{"itemIdentifier":""}]}`],
    ["a null identifier", `{"batchItemFailures":[{"itemIdentifier":null}]}`],
    ["a missing identifier", `{"batchItemFailures":[{}]}`],
    ["an unknown identifier", `{"batchItemFailures":[{"itemIdentifier":"zzz"}]}`],
    ["a list that is not a list", `{"batchItemFailures":"b"}`],
    ["invalid JSON", `{"batchItemFailures":`]
  ])("%s fails the whole batch", (_, payload) => {
    expect(settleBatch(ids, { functionError: false, payload }).kind).toBe("whole-batch-failed")
  })

  test("a function error or timeout fails the whole batch", () => {
    expect(settleBatch(ids, { functionError: true })).toEqual({ kind: "whole-batch-failed", reason: "function error" })
  })
})

describe("the SQS event record Lambda builds", () => {
  test("has Lambda's keys, attribute shapes and the source ARN and region", () => {
    const record = lambdaRecord({
      MessageId: "m-1",
      ReceiptHandle: "rh",
      Body: "{}",
      MD5OfBody: "99914b932bd37a50b983c5e7c90ae93b",
      Attributes: {
        ApproximateReceiveCount: "2",
        SentTimestamp: "1",
        SenderId: "S",
        ApproximateFirstReceiveTimestamp: "2",
        MessageGroupId: "g",
        SequenceNumber: "7",
        MessageDeduplicationId: "d"
      },
      MessageAttributes: {
        trace: { DataType: "String", StringValue: "x" },
        blob: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2]) }
      }
    }, "arn:aws:sqs:eu-west-1:123456789012:input.fifo")
    expect(record).toEqual({
      messageId: "m-1",
      receiptHandle: "rh",
      body: "{}",
      attributes: {
        ApproximateReceiveCount: "2",
        SentTimestamp: "1",
        SenderId: "S",
        ApproximateFirstReceiveTimestamp: "2",
        SequenceNumber: "7",
        MessageGroupId: "g",
        MessageDeduplicationId: "d"
      } as never,
      messageAttributes: {
        trace: { stringValue: "x", stringListValues: [], binaryListValues: [], dataType: "String" },
        blob: { binaryValue: "AQI=", stringListValues: [], binaryListValues: [], dataType: "Binary" }
      },
      md5OfBody: "99914b932bd37a50b983c5e7c90ae93b",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:input.fifo",
      awsRegion: "eu-west-1"
    })
  })
})
