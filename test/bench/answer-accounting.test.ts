import { describe, expect, test } from "bun:test"
import { accountAnswers, entriesSentTo } from "../../bench/load/answer-accounting.ts"

const ids = ["m1", "m2", "m3", "m4"]

describe("accountAnswers", () => {
  test("every request answered once: nothing lost, unaccounted or duplicated", () => {
    expect(accountAnswers(ids, ["m2", "m1", "m4", "m3"], 4)).toEqual({
      found: 4,
      lost: 0,
      unaccounted: 0,
      duplicated: 0
    })
  })

  test("answers the function says it sent but the queue did not give back are unaccounted, not lost", () => {
    // The 2026-11-27 run: every answer sent by the function's count, a short drain found fewer.
    expect(accountAnswers(ids, ["m1", "m3"], 4)).toEqual({ found: 2, lost: 0, unaccounted: 2, duplicated: 0 })
  })

  test("requests the function never answered are lost", () => {
    expect(accountAnswers(ids, ["m1", "m3"], 3)).toEqual({ found: 2, lost: 1, unaccounted: 1, duplicated: 0 })
    expect(accountAnswers(ids, ["m1"], 1)).toEqual({ found: 1, lost: 3, unaccounted: 0, duplicated: 0 })
  })

  test("without the function's metrics every missing answer counts as lost", () => {
    expect(accountAnswers(ids, ["m1", "m3"], undefined)).toEqual({ found: 2, lost: 2, unaccounted: 0, duplicated: 0 })
  })

  test("duplicates and stray answers are not found requests; a claim above the requests is capped", () => {
    expect(accountAnswers(ids, ["m1", "m1", "x"], 9)).toEqual({ found: 1, lost: 0, unaccounted: 3, duplicated: 1 })
  })
})

describe("entriesSentTo", () => {
  const queue = "http://127.0.0.1:1/000000000000/out"
  test("counts a batch's entries and a single send to that queue only", () => {
    const batch = JSON.stringify({ QueueUrl: queue, Entries: [{ Id: "0" }, { Id: "1" }] })
    expect(entriesSentTo(queue, "SendMessageBatch", batch)).toBe(2)
    expect(entriesSentTo(queue, "SendMessage", JSON.stringify({ QueueUrl: queue, MessageBody: "x" }))).toBe(1)
    expect(entriesSentTo(`${queue}-dlq`, "SendMessageBatch", batch)).toBe(0)
  })
  test("other operations and unreadable bodies count nothing", () => {
    expect(entriesSentTo(queue, "ReceiveMessage", JSON.stringify({ QueueUrl: queue }))).toBe(0)
    expect(entriesSentTo(queue, "SendMessageBatch", "Action=SendMessageBatch")).toBe(0)
  })
})
