import { describe, expect, test } from "bun:test"
import { createHash } from "node:crypto"
import { drainQueueReport } from "../../local/aws/inspect.ts"

interface Script {
  /** What each ReceiveMessage answers, in turn (message bodies); past the end, nothing. */
  readonly receives: ReadonlyArray<ReadonlyArray<string>>
  /** ApproximateNumberOfMessages as the queue reports it when asked, in turn; past the end, 0. */
  readonly counts: ReadonlyArray<number>
}

const md5 = (text: string) => createHash("md5").update(text).digest("hex")

/** An SQS endpoint (JSON protocol) answering from a script, and the wait of each receive it was sent. */
const scriptedSqs = (script: Script) => {
  let receive = 0
  let count = 0
  const waits: Array<number> = []
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (request) => {
      const action = request.headers.get("x-amz-target")?.split(".")[1]
      const body = (await request.json()) as { WaitTimeSeconds?: number; Entries?: Array<{ Id: string }> }
      const json = (value: unknown) =>
        new Response(JSON.stringify(value), { headers: { "content-type": "application/x-amz-json-1.0" } })
      if (action === "ReceiveMessage") {
        waits.push(body.WaitTimeSeconds ?? 0)
        const bodies = script.receives[receive++] ?? []
        return json({
          Messages: bodies.map((b) => ({ MessageId: b, ReceiptHandle: `handle-${b}`, Body: b, MD5OfBody: md5(b) }))
        })
      }
      if (action === "DeleteMessageBatch") return json({ Successful: body.Entries!.map((e) => ({ Id: e.Id })) })
      if (action === "GetQueueAttributes") {
        return json({ Attributes: { ApproximateNumberOfMessages: String(script.counts[count++] ?? 0) } })
      }
      return new Response("unexpected", { status: 400 })
    }
  })
  return { url: `http://127.0.0.1:${server.port}`, waits, stop: () => server.stop(true) }
}

const queueUrl = "http://127.0.0.1/000000000000/answers"

describe("drainQueueReport", () => {
  test("an empty receive while the queue still counts messages is retried, not taken as the end", async () => {
    // The second receive comes back empty with 3 messages still on the queue, as local-aws-sqs's short
    // poll did under load; stopping there lost them.
    const sqs = scriptedSqs({ receives: [["a", "b"], [], ["c", "d", "e"], []], counts: [3, 0] })
    try {
      const drained = await drainQueueReport(sqs.url, queueUrl, { remove: true })
      expect(drained.messages.map((m) => m.Body)).toEqual(["a", "b", "c", "d", "e"])
      expect(drained.spuriousEmpty).toBe(1)
      expect(drained.left).toBe(0)
      // The retry after the spurious empty receive long-polls; the others are short polls.
      expect(sqs.waits).toEqual([0, 0, 1, 0])
    } finally {
      sqs.stop()
    }
  })

  test("messages held in flight by the drain itself are not counted as left", async () => {
    // Without remove, local-aws-sqs still counts the two received messages in ApproximateNumberOfMessages.
    const sqs = scriptedSqs({ receives: [["a", "b"], []], counts: [2] })
    try {
      const drained = await drainQueueReport(sqs.url, queueUrl)
      expect(drained.messages).toHaveLength(2)
      expect(drained).toMatchObject({ spuriousEmpty: 0, left: 0 })
    } finally {
      sqs.stop()
    }
  })

  test("a queue that keeps counting messages it never hands out ends the drain with the count left", async () => {
    const sqs = scriptedSqs({ receives: [["a"]], counts: [4, 4, 4] })
    try {
      const drained = await drainQueueReport(sqs.url, queueUrl, { remove: true, maxSpuriousEmpty: 2 })
      expect(drained.messages).toHaveLength(1)
      expect(drained).toMatchObject({ spuriousEmpty: 3, left: 4 })
    } finally {
      sqs.stop()
    }
  }, 10_000)
})
