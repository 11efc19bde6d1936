import { describe, expect, test } from "bun:test"
import { classifyAwsError, entryError } from "../../src/aws/aws-error.ts"
import { backoffMs } from "../../src/aws/deliver.ts"

const sdkError = (name: string, status?: number, extra: object = {}) =>
  Object.assign(new Error(`${name} happened`), { name, ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }), ...extra })

describe("AWS error classification", () => {
  test.each([
    ["ProvisionedThroughputExceededException", 400],
    ["ThrottlingException", 400],
    ["RequestLimitExceeded", 400],
    ["InternalServerError", 500],
    ["ServiceUnavailable", 503],
    ["SomethingNew", 502],
    ["TooManyRequests", 429]
  ])("%s (%d) is transient", (name, status) => {
    expect(classifyAwsError("Op", sdkError(name, status))._tag).toBe("AwsTransientError")
  })

  test.each([
    ["ResourceNotFoundException", 400],
    ["AccessDeniedException", 400],
    ["ValidationException", 400],
    ["QueueDoesNotExist", 400]
  ])("%s (%d) is permanent", (name, status) => {
    expect(classifyAwsError("Op", sdkError(name, status))._tag).toBe("AwsPermanentError")
  })

  test("SQS query-compatible codes are recognised (regression: AWS.SimpleQueueService.Throttling was permanent)", () => {
    for (const name of ["AWS.SimpleQueueService.Throttling", "AWS.SimpleQueueService.RequestThrottled", "AWS.SimpleQueueService.ServiceUnavailable"]) {
      expect(classifyAwsError("SendMessageBatch", sdkError(name, 400))._tag).toBe("AwsTransientError")
    }
    expect(classifyAwsError("SendMessageBatch", sdkError("AWS.SimpleQueueService.NonExistentQueue", 400))._tag).toBe("AwsPermanentError")
  })

  test("socket errors are transient; the code and operation are kept", () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })
    expect(classifyAwsError("BatchWriteItem", reset)).toMatchObject({ _tag: "AwsTransientError", operation: "BatchWriteItem", code: "ECONNRESET" })
    expect(classifyAwsError("Op", sdkError("TimeoutError"))._tag).toBe("AwsTransientError")
  })

  test("SQS Failed entries: SenderFault decides", () => {
    expect(entryError("Send", { Code: "InternalError", SenderFault: false })._tag).toBe("AwsTransientError")
    expect(entryError("Send", { Code: "InvalidParameterValue", SenderFault: true })._tag).toBe("AwsPermanentError")
  })

  test("backoff grows exponentially, is capped, and jitters within [ceiling/2, ceiling]", () => {
    const policy = { maxAttempts: 6, baseDelayMs: 25, maxDelayMs: 1_000, attemptTimeoutMs: 5_000 }
    expect(backoffMs(policy, 1, 0)).toBe(12.5)
    expect(backoffMs(policy, 1, 1)).toBe(25)
    expect(backoffMs(policy, 3, 1)).toBe(100)
    expect(backoffMs(policy, 10, 1)).toBe(1_000)
    expect(backoffMs(policy, 10, 0)).toBe(500)
  })
})
