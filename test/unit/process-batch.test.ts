import { describe, expect, test } from "bun:test"
import { Effect, Layer, Result } from "effect"
import { RetryPolicy } from "../../src/aws/batch-call.ts"
import { processBatch, type RoundHandler, safetyMarginMs } from "../../src/batch/process-batch.ts"
import { planRounds } from "../../src/batch/rounds.ts"
import type { BatchRecord } from "../../src/batch/sqs-event.ts"
import { AwsTransientError } from "../../src/domain/errors.ts"
import { ProductStore } from "../../src/services/product-store.ts"
import { dynamoStoreOn, fakeDocumentClient } from "../support/fake-document-client.ts"
import { memoryApp } from "../support/memory-app.ts"
import { invocationContext, sqsEvent, sqsRecord } from "../support/records.ts"

const rec = (messageId: string, groupId?: string): BatchRecord => ({
  messageId,
  body: messageId,
  ...(groupId ? { groupId } : {})
})
const boom = new AwsTransientError({ operation: "Test", code: "InternalServerError", message: "boom" })
const added = (r: BatchRecord) => Result.succeed({ _tag: "Added", pk: r.messageId })
type Round = RoundHandler<{ _tag: string; pk: string }, AwsTransientError, never>

describe("planRounds", () => {
  test("a standard batch is one round with every record", () => {
    const records = [rec("a"), rec("b"), rec("c")]
    expect(planRounds(records)).toEqual([records])
  })

  test("a FIFO batch runs the k-th record of every group in round k", () => {
    const ids = (rounds: Array<Array<BatchRecord>>) => rounds.map((round) => round.map((r) => r.messageId))
    expect(ids(planRounds([rec("a1", "A"), rec("b1", "B"), rec("a2", "A"), rec("a3", "A"), rec("b2", "B")]))).toEqual([
      ["a1", "b1"],
      ["a2", "b2"],
      ["a3"]
    ])
  })
})

describe("processBatch", () => {
  test("FIFO: after a failure in a group the rest of that group fails untried; other groups go on", async () => {
    const seen: Array<string> = []
    const handleRound: Round = (records, settle) =>
      Effect.sync(() =>
        records.forEach((r) => {
          seen.push(r.messageId)
          settle(r, r.messageId === "a2" ? Result.fail(boom) : added(r))
        })
      )
    const records = [rec("a1", "A"), rec("a2", "A"), rec("a3", "A"), rec("b1", "B"), rec("b2", "B"), rec("b3", "B")]
    const result = await Effect.runPromise(processBatch(records, handleRound, 10_000))
    expect(seen).toEqual(["a1", "b1", "a2", "b2", "b3"])
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "a2" }, { itemIdentifier: "a3" }])
    expect(result.outcomes[2]).toMatchObject([{ messageId: "a3" }, { failure: { _tag: "GroupHalted", groupId: "A" } }])
  })

  test("deadline: in-flight work is interrupted and unfinished records are reported failed", async () => {
    let interrupted = 0
    const handleRound: Round = (records, settle) =>
      Effect.forEach(records, (r) =>
        (r.messageId.startsWith("slow") ? Effect.sleep("5 seconds") : Effect.void).pipe(
          Effect.andThen(Effect.sync(() => settle(r, added(r)))),
          Effect.onInterrupt(() => Effect.sync(() => void interrupted++))
        ), { concurrency: "unbounded", discard: true })
    const started = Date.now()
    const result = await Effect.runPromise(
      processBatch([rec("fast-1"), rec("slow-1"), rec("fast-2"), rec("slow-2")], handleRound, 100)
    )
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(result.deadlineHit).toBe(true)
    expect(interrupted).toBe(2)
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "slow-1" }, { itemIdentifier: "slow-2" }])
    expect(result.outcomes[1]).toMatchObject([{ messageId: "slow-1" }, { failure: { _tag: "DeadlineExceeded" } }])
  })

  test("a FIFO group cut by the deadline fails from the unfinished record on", async () => {
    const handleRound: Round = (records, settle) =>
      Effect.forEach(records, (r) => (r.messageId === "a2" ? Effect.never : Effect.sync(() => settle(r, added(r)))), {
        concurrency: "unbounded",
        discard: true
      })
    const result = await Effect.runPromise(
      processBatch([rec("a1", "A"), rec("a2", "A"), rec("a3", "A"), rec("b1", "B")], handleRound, 50)
    )
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "a2" }, { itemIdentifier: "a3" }])
  })

  test("the safety margin is 10% of the remaining time, between 200 ms and 1 s", () => {
    expect(safetyMarginMs(500)).toBe(200)
    expect(safetyMarginMs(1_000)).toBe(200)
    expect(safetyMarginMs(3_000)).toBe(300)
    expect(safetyMarginMs(5_000)).toBe(500)
    expect(safetyMarginMs(900_000)).toBe(1_000)
  })
})

describe("handler deadline", () => {
  test("work done before the deadline is kept: only the records of the request still retrying are reported failed", async () => {
    // 60 adds: 3 BatchWriteItem chunks. DynamoDB never processes p-3 (chunk 1) nor anything of chunk 3.
    const stuck = (pk: string) => pk === "p-3" || Number(pk.slice(2)) >= 50
    const { client } = fakeDocumentClient((call) => ({
      UnprocessedItems: { products: call.input.RequestItems.products.filter((r: any) => stuck(r.PutRequest.Item.pk)) }
    }))
    const store = dynamoStoreOn(client)
    const app = memoryApp({
      extra: Layer.mergeAll(
        store,
        Layer.succeed(RetryPolicy, { maxAttempts: 1_000, baseDelayMs: 20, maxDelayMs: 20, attemptTimeoutMs: 1_000 })
      ) as Layer.Layer<never>
    })
    const records = Array.from(
      { length: 60 },
      (_, i) => sqsRecord(JSON.stringify({ name: `n${i}`, price: i }), { messageId: `p-${i}` })
    )
    const result = await app.handler(sqsEvent(...records), invocationContext(600))
    const reported = result.batchItemFailures.map((f) => f.itemIdentifier).sort()
    expect(reported).toEqual(records.map((r) => r.messageId).filter(stuck).sort())
    await app.dispose()
  })

  test("a dependency that hangs cannot make the invocation time out", async () => {
    // A store that never answers: the handler must still return before the deadline.
    const hanging = memoryApp({
      extra: Layer.succeed(
        ProductStore,
        ProductStore.of({ putAll: () => Effect.never, getAll: () => Effect.never })
      ) as Layer.Layer<never>
    })
    const started = Date.now()
    const result = await hanging.handler(
      sqsEvent(sqsRecord(`{"pk":"p"}`, { messageId: "r" }), sqsRecord(`bad`, { messageId: "b" })),
      invocationContext(1_000)
    )
    const elapsed = Date.now() - started
    expect(elapsed).toBeLessThan(1_000)
    expect(elapsed).toBeGreaterThanOrEqual(750)
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "r" }])
    expect(hanging.deadLetter).toHaveLength(1)
    await hanging.dispose()
  }, 20_000)
})

test("an unexpected failure inside a round is not swallowed as success", async () => {
  const handleRound: Round = () => Effect.die(new Error("bug"))
  await expect(Effect.runPromise(processBatch([rec("x")], handleRound, 1_000))).rejects.toThrow("bug")
})
