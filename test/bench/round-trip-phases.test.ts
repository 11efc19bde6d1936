import { describe, expect, test } from "bun:test"
import { type Mark, phasesOf, phasesTable, probeHandlerSource } from "../../bench/round-trip-phases.ts"

// A read: two requests, one after the other. Wall ms from 100; JS-thread CPU ms from 50.
const read: Array<Mark> = [
  ["enter", 101, 50],
  ["send:0", 103, 51.5],
  ["head:0", 110, 52],
  ["body:0", 110.5, 52.25],
  ["send:1", 112, 53],
  ["head:1", 118, 53.5],
  ["body:1", 118.25, 53.75],
  ["exit", 119, 54]
]

describe("phasesOf", () => {
  test("splits a read's duration into the Runtime API, JavaScript, hops, AWS and body reads, adding up to own time", () => {
    // Proxy calls given out of order: each request takes the one that arrived while it was in flight.
    const p = phasesOf(read, [[112.5, 117], [103.5, 109]], 100, 120)!
    expect(p.requests).toBe(2)
    expect(p.duration).toBe(20)
    expect(p.aws).toBe(5.5 + 4.5)
    expect(p.own).toBe(10)
    expect(p.runtimeApi).toBe(1 + 1)
    expect(p.js).toBe(2 + 1.5 + 0.75)
    expect(p.jsCpu).toBe(1.5 + 0.75 + 0.25)
    expect(p.sendHop).toBe(0.5 + 0.5)
    expect(p.answerHop).toBe(1 + 1)
    expect(p.requestCpu).toBe(0.5 + 0.5)
    expect(p.bodyRead).toBe(0.5 + 0.25)
    expect(p.bodyCpu).toBe(0.25 + 0.25)
    expect(p.runtimeApi + p.js + p.sendHop + p.answerHop + p.bodyRead).toBeCloseTo(p.own, 9)
    expect(p.lateAnswers).toBe(0)
  })

  test("an answer the proxy timed as ending after the function saw it ends when the function saw it", () => {
    const p = phasesOf(read, [[103.5, 111], [112.5, 117]], 100, 120)!
    expect(p.lateAnswers).toBe(1)
    expect(p.aws).toBe(6.5 + 4.5)
    expect(p.answerHop).toBe(0 + 1)
    expect(p.runtimeApi + p.js + p.sendHop + p.answerHop + p.bodyRead).toBeCloseTo(p.own, 9)
  })

  test("an invocation without AWS requests is all Runtime API and JavaScript", () => {
    const p = phasesOf([["enter", 1, 0], ["exit", 3, 2]], [], 0, 4)!
    expect(p).toMatchObject({ requests: 0, aws: 0, own: 4, runtimeApi: 2, js: 2, jsCpu: 2 })
  })

  test("no decomposition without a proxy call for a request, a missing mark, or overlapping requests", () => {
    expect(phasesOf(read, [[103.5, 109]], 100, 120)).toBeUndefined()
    expect(phasesOf(read.filter(([l]) => l !== "body:1"), [[103.5, 109], [112.5, 117]], 100, 120)).toBeUndefined()
    expect(phasesOf(read.filter(([l]) => l !== "exit"), [[103.5, 109], [112.5, 117]], 100, 120)).toBeUndefined()
    const overlapping: Array<Mark> = [
      ["enter", 101, 0],
      ["send:0", 102, 0],
      ["send:1", 103, 0],
      ["head:0", 108, 0],
      ["body:0", 108, 0],
      ["head:1", 109, 0],
      ["body:1", 109, 0],
      ["exit", 110, 0]
    ]
    expect(phasesOf(overlapping, [[102.5, 107], [103.5, 108]], 100, 111)).toBeUndefined()
  })
})

test("phasesTable averages per variant, the hops per request", () => {
  const p = phasesOf(read, [[103.5, 109], [112.5, 117]], 100, 120)!
  const out = phasesTable([["bun", [p, p]]])
  expect(out).toContain("| bun ")
  expect(out).toContain("| 2 ") // n
  expect(out).toContain("| 0.500 ") // send hop per request
  expect(out).toContain("| 1.000 ") // answer hop per request
})

test("the probe handler's source imports the handler it wraps and is a module both runtimes parse", async () => {
  const source = probeHandlerSource("handler.mjs")
  expect(source).toContain(`import("./handler.mjs")`)
  const transpiled = new Bun.Transpiler({ loader: "js" }).transformSync(source)
  expect(transpiled).toContain("__lambdaInit")
})
