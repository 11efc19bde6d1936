import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs"
import { afterEach, describe, expect, setSystemTime, spyOn, test } from "bun:test"
import { cacheHandlers, sendAborting } from "../../src/aws/cached-handlers.ts"
import { transport } from "../../src/aws/clients.ts"
import { leanMiddleware } from "../../src/aws/lean-middleware.ts"
import { cannedAwsServer, EXAMPLE_CREDENTIALS } from "../support/canned-aws-server.ts"

// Requests whose body holds "hold" get no answer until the client gives up.
const { endpoint, queueUrl, recordFixed } = cannedAwsServer((_, body) =>
  body.includes("hold") ? new Promise<Response>(() => {}) : undefined
)
afterEach(() => setSystemTime())

const client = (cached: boolean) => {
  const sqs = leanMiddleware(
    new SQSClient({
      endpoint,
      region: "eu-west-1",
      credentials: EXAMPLE_CREDENTIALS,
      maxAttempts: 1,
      ...transport()
    })
  )
  return cached ? cacheHandlers(sqs) : sqs
}
const command = (body: string) =>
  new SendMessageBatchCommand({
    QueueUrl: queueUrl,
    Entries: [{
      Id: "0",
      MessageBody: body,
      MessageAttributes: { outcome: { DataType: "String", StringValue: "found" } }
    }]
  })

/** Three sends, each with its own body, on a fixed clock and invocation id, so that signatures compare. */
const recorded = (cached: boolean) =>
  recordFixed(async () => {
    const sqs = client(cached)
    const answers = []
    for (const body of ["one", "two", "three"]) {
      const answer = await sendAborting(sqs, command(`{"pk":"${body}"}`), new AbortController().signal)
      answers.push({ ...answer, $metadata: undefined })
    }
    return answers
  })

describe("cached command handlers (cacheHandlers, sendAborting)", () => {
  test("the SDK builds a command's handler once, and each send still sends its own command", async () => {
    const resolve = spyOn(SendMessageBatchCommand.prototype, "resolveMiddleware")
    try {
      const { wire } = await recorded(true)
      expect(resolve).toHaveBeenCalledTimes(1)
      expect(wire.map((r) => JSON.parse(r.body).Entries[0].MessageBody)).toEqual([
        `{"pk":"one"}`,
        `{"pk":"two"}`,
        `{"pk":"three"}`
      ])
    } finally {
      resolve.mockRestore()
    }
  })

  test("on the wire, byte for byte what the SDK sends without the cache; the same answers", async () => {
    const uncached = await recorded(false)
    const cached = await recorded(true)
    expect(uncached.wire).toHaveLength(3)
    expect(cached.wire).toEqual(uncached.wire)
    expect(cached.answers).toEqual(uncached.answers)
  })

  test("each send's abort signal reaches the transport: a request in flight is aborted", async () => {
    const sqs = client(true)
    await sendAborting(sqs, command("first"), new AbortController().signal)
    const controller = new AbortController()
    const started = performance.now()
    const held = sendAborting(sqs, command("hold"), controller.signal)
    setTimeout(() => controller.abort(), 50)
    const error = await held.then(() => undefined, (e: unknown) => e as Error)
    expect(error?.name).toBe("AbortError")
    expect(performance.now() - started).toBeLessThan(4_000)
    // And a signal aborted before the send: the request never gets an answer.
    const late = await sendAborting(sqs, command("hold again"), AbortSignal.abort()).then(
      () => undefined,
      (e: unknown) => e as Error
    )
    expect(late?.name).toBe("AbortError")
  }, 10_000)

  test("a client without the cache gets the signal as a send option, as before", async () => {
    const sqs = client(false)
    const send = spyOn(sqs, "send")
    const signal = new AbortController().signal
    await sendAborting(sqs, command("plain"), signal)
    expect(send.mock.calls[0]![1]).toEqual({ abortSignal: signal })
  })
})
