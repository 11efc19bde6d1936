import { describe, expect, test } from "bun:test"
import { Effect, Layer } from "effect"
import { processBatch, safetyMarginMs, type WaveHandler } from "../../src/batch/process-batch.ts"
import { planRounds } from "../../src/batch/rounds.ts"
import type { BatchRecord } from "../../src/batch/sqs-event.ts"
import { AwsTransientError } from "../../src/domain/errors.ts"
import { ProductStore } from "../../src/services/product-store.ts"
import { memoryApp } from "../support/memory-app.ts"
import { invocationContext, sqsEvent, sqsRecord } from "../support/records.ts"

const rec = (messageId: string, groupId?: string): BatchRecord => ({ messageId, body: messageId, ...(groupId ? { groupId } : {}) })
const boom = new AwsTransientError({ operation: "Test", code: "InternalServerError", message: "boom" })

describe("planRounds", () => {
  test("a standard batch is one round with every record", () => {
    expect(planRounds([rec("a"), rec("b"), rec("c")])).toEqual([[0, 1, 2]])
  })

  test("a FIFO batch runs the k-th record of every group in round k", () => {
    expect(planRounds([rec("a1", "A"), rec("b1", "B"), rec("a2", "A"), rec("a3", "A"), rec("b2", "B")])).toEqual([[0, 1], [2, 4], [3]])
  })
})

describe("processBatch", () => {
  test("FIFO: after a failure in a group the rest of that group fails untried; other groups go on", async () => {
    const seen: Array<string> = []
    const wave: WaveHandler<never> = (records, settle) =>
      Effect.sync(() =>
        records.forEach((r, i) => {
          seen.push(r.messageId)
          settle(i, r.messageId === "a2" ? { _tag: "Failed", error: boom } : { _tag: "Added", pk: r.messageId })
        })
      )
    const records = [rec("a1", "A"), rec("a2", "A"), rec("a3", "A"), rec("b1", "B"), rec("b2", "B"), rec("b3", "B")]
    const result = await Effect.runPromise(processBatch(records, wave, 10_000))
    expect(seen).toEqual(["a1", "b1", "a2", "b2", "b3"])
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "a2" }, { itemIdentifier: "a3" }])
    expect(result.outcomes[2]).toMatchObject({ _tag: "Failed", error: { _tag: "GroupHalted", groupId: "A" } })
  })

  test("deadline: in-flight work is interrupted and unfinished records are reported failed", async () => {
    let interrupted = 0
    const wave: WaveHandler<never> = (records, settle) =>
      Effect.forEach(records, (r, i) =>
        (r.messageId.startsWith("slow") ? Effect.sleep("5 seconds") : Effect.void).pipe(
          Effect.andThen(Effect.sync(() => settle(i, { _tag: "Added", pk: r.messageId }))),
          Effect.onInterrupt(() => Effect.sync(() => void interrupted++))
        ), { concurrency: "unbounded", discard: true })
    const started = Date.now()
    const result = await Effect.runPromise(processBatch([rec("fast-1"), rec("slow-1"), rec("fast-2"), rec("slow-2")], wave, 100))
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(result.deadlineHit).toBe(true)
    expect(interrupted).toBe(2)
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "slow-1" }, { itemIdentifier: "slow-2" }])
    expect(result.outcomes[1]).toMatchObject({ _tag: "Failed", error: { _tag: "DeadlineExceeded" } })
  })

  test("a FIFO group cut by the deadline fails from the unfinished record on", async () => {
    const wave: WaveHandler<never> = (records, settle) =>
      Effect.forEach(records, (r, i) =>
        (r.messageId === "a2" ? Effect.never : Effect.sync(() => settle(i, { _tag: "Added", pk: r.messageId }))), { concurrency: "unbounded", discard: true })
    const result = await Effect.runPromise(processBatch([rec("a1", "A"), rec("a2", "A"), rec("a3", "A"), rec("b1", "B")], wave, 50))
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "a2" }, { itemIdentifier: "a3" }])
  })

  test("the safety margin is 10% of the remaining time, between 100 ms and 1 s", () => {
    expect(safetyMarginMs(500)).toBe(100)
    expect(safetyMarginMs(5_000)).toBe(500)
    expect(safetyMarginMs(900_000)).toBe(1_000)
  })
})

describe("handler deadline", () => {
  test("a dependency that hangs cannot make the invocation time out", async () => {
    // A store that never answers: the handler must still return before the deadline.
    const hanging = memoryApp({
      extra: Layer.succeed(ProductStore, { putAll: () => Effect.never, getAll: () => Effect.never }) as Layer.Layer<never>
    })
    const started = Date.now()
    const result = await hanging.handler(sqsEvent(sqsRecord(`{"pk":"p"}`, { messageId: "r" }), sqsRecord(`bad`, { messageId: "b" })), invocationContext(1_000))
    const elapsed = Date.now() - started
    expect(elapsed).toBeLessThan(1_000)
    expect(elapsed).toBeGreaterThanOrEqual(800)
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "r" }])
    expect(hanging.deadLetter).toHaveLength(1)
    await hanging.dispose()
  }, 20_000)
})

test("an unexpected failure inside a wave is not swallowed as success", async () => {
  const wave: WaveHandler<never> = () => Effect.die(new Error("bug"))
  await expect(Effect.runPromise(processBatch([rec("x")], wave, 1_000))).rejects.toThrow("bug")
})
