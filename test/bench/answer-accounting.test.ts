import { describe, expect, test } from "bun:test"
import { accountAnswers, accountProducts, claimedAnswers, entriesSentTo } from "../../bench/load/answer-accounting.ts"

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

describe("claimedAnswers: the warm-up's EMF counts and the measured rounds' add up", () => {
  const totals = (invocations: number, found: number, notFound: number) => ({
    invocations,
    sums: { ReadsFound: found, ReadsNotFound: notFound },
    timings: {}
  })
  test("a warm-up of 2 requests and 4 measured ones, all answered: nothing lost or unaccounted", () => {
    const claimed = claimedAnswers([totals(1, 2, 0), totals(2, 3, 1)])
    expect(claimed).toBe(6)
    const requested = ["w1", "w2", ...ids]
    expect(accountAnswers(requested, ["w2", "m1", "w1", "m2", "m3", "m4"], claimed)).toEqual({
      found: 6,
      lost: 0,
      unaccounted: 0,
      duplicated: 0
    })
  })
  test("a warm-up answer missing from the queue is accounted like any other", () => {
    const claimed = claimedAnswers([totals(1, 2, 0), totals(2, 4, 0)])
    expect(accountAnswers(["w1", "w2", ...ids], ["w1", ...ids], claimed)).toMatchObject({ lost: 0, unaccounted: 1 })
    expect(accountAnswers(["w1", "w2", ...ids], ["w1", ...ids], 5)).toMatchObject({ lost: 1, unaccounted: 0 })
  })
  test("no EMF line at all (the baselines): undefined, so every missing answer is lost", () => {
    expect(claimedAnswers([totals(0, 0, 0), { invocations: 0, sums: {}, timings: {} }])).toBeUndefined()
  })
})

describe("accountProducts: an add run's warm-up and measured messages, accounted alike", () => {
  // Two warm-up messages (0, 1), then three measured ones (2, 3, 4): each adds "bench product <its number>".
  const sent = ["w0", "w1", "m2", "m3", "m4"]
  const products = sent.map((pk, i) => ({ pk, name: `bench product ${i}` }))
  test("every product there, once: nothing lost or duplicated", () => {
    expect(accountProducts(sent, products)).toEqual({ lost: 0, duplicated: 0 })
  })
  test("a warm-up message's product missing is lost like a measured one's", () => {
    expect(accountProducts(sent, products.slice(1))).toEqual({ lost: 1, duplicated: 0 })
    expect(accountProducts(sent, products.filter((p) => p.pk !== "m3"))).toEqual({ lost: 1, duplicated: 0 })
  })
  test("a product under another message's number is lost, an extra one duplicated", () => {
    const swapped = products.map((p) => (p.pk === "w1" ? { ...p, name: "bench product 3" } : p))
    expect(accountProducts(sent, swapped)).toEqual({ lost: 1, duplicated: 0 })
    expect(accountProducts(sent, [...products, { pk: "x", name: "bench product 9" }])).toEqual({
      lost: 0,
      duplicated: 1
    })
  })
})
