import { describe, expect, test } from "bun:test"
import { makeContext } from "../../../runtime/src/context.ts"
import type { Invocation } from "../../../runtime/src/invocation.ts"

const invocation = (over: Partial<Invocation> = {}): Invocation => ({
  requestId: "r1",
  deadlineMs: Date.now() + 5_000,
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:f",
  traceId: undefined,
  tenantId: "tenant-a",
  clientContext: "{\"client\":{\"app_title\":\"t\"}}",
  cognitoIdentity: "{\"cognitoIdentityId\":\"id\"}",
  event: {},
  ...over
})
const env = {
  AWS_LAMBDA_FUNCTION_NAME: "f",
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
  AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/f",
  AWS_LAMBDA_LOG_STREAM_NAME: "s"
}

describe("makeContext", () => {
  test("the Node.js runtime's fields, tenantId and the parsed JSON headers", () => {
    const { context } = makeContext(invocation(), { done: () => {} }, env)
    expect(context).toMatchObject({
      awsRequestId: "r1",
      functionName: "f",
      functionVersion: "$LATEST",
      memoryLimitInMB: "128",
      tenantId: "tenant-a",
      clientContext: { client: { app_title: "t" } },
      identity: { cognitoIdentityId: "id" },
      callbackWaitsForEmptyEventLoop: true
    })
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(4_000)
  })

  test("a malformed client context or Cognito identity throws as the Node.js runtime does", () => {
    expect(() => makeContext(invocation({ clientContext: "{nope" }), { done: () => {} }, env)).toThrow(
      /^Cannot parse ClientContext as json/
    )
    expect(() => makeContext(invocation({ cognitoIdentity: "[" }), { done: () => {} }, env)).toThrow(
      /^Cannot parse CognitoIdentity as json/
    )
  })

  test("succeed, fail and done complete through the completion", () => {
    const calls: Array<Array<unknown>> = []
    const { context } = makeContext(invocation(), { done: (...args) => void calls.push(args) }, env)
    context.succeed(1)
    context.fail(new Error("e"))
    context.fail()
    context.done(null, 2)
    expect(calls).toHaveLength(4)
    expect(calls[0]).toEqual([null, 1])
    expect(calls[2]).toEqual(["handled"])
    expect(calls[3]).toEqual([null, 2])
  })

  test("signal aborts at the deadline with a TimeoutError, and release drops its timer", async () => {
    const { context } = makeContext(invocation({ deadlineMs: Date.now() + 50 }), { done: () => {} }, env)
    expect(context.signal.aborted).toBe(false)
    await Bun.sleep(120)
    expect(context.signal.aborted).toBe(true)
    expect((context.signal.reason as DOMException).name).toBe("TimeoutError")
    const past = makeContext(invocation({ deadlineMs: Date.now() - 1 }), { done: () => {} }, env)
    expect(past.context.signal.aborted).toBe(true)
    const released = makeContext(invocation({ deadlineMs: Date.now() + 50 }), { done: () => {} }, env)
    const signal = released.context.signal
    released.release()
    await Bun.sleep(120)
    expect(signal.aborted).toBe(false)
  })
})
