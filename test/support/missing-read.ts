import { expect } from "bun:test"
import { drainQueue } from "../../local/aws/inspect.ts"
import type { LocalStack } from "../../local/aws/local-stack.ts"
import type { ExecutionEnvironment } from "../../local/runtime-api/environment.ts"

/**
 * One read of a product that does not exist through a running function: the invocation succeeds with
 * no failed record, and the not-found answer is on the output queue (taken off it).
 */
export const expectMissingReadAnswered = async (env: ExecutionEnvironment, stack: LocalStack, messageId: string) => {
  const record = { messageId, body: `{"pk":"none"}`, attributes: { SentTimestamp: "1700000000000" } }
  const result = await env.invoke({ Records: [record] })
  expect(result.status).toBe("success")
  expect(result.status === "success" && JSON.parse(result.payload)).toEqual({ batchItemFailures: [] })
  const out = await drainQueue(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
  expect(out.map((m) => m.MessageAttributes?.outcome?.StringValue)).toEqual(["not_found"])
}
