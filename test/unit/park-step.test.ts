import { describe, expect, test } from "bun:test"
import { Layer, Tracer } from "effect"
import { memoryAppPerTest } from "../support/memory-app.ts"
import { invocationContext, sqsEvent, sqsRecord } from "../support/records.ts"

const memoryApp = memoryAppPerTest()

// The handler over in-memory services, with a tracer that records the name of every span Effect makes.
const tracedApp = () => {
  const names: Array<string> = []
  const tracer = Tracer.make({
    span: (options) => {
      names.push(options.name)
      return Tracer.nativeTracer.span(options)
    }
  })
  return { app: memoryApp({ extra: Layer.succeed(Tracer.Tracer, tracer) }), names }
}

// A round calls its DLQ step after every kind of work; with nothing to park it must cost nothing (a
// span per call made traces 4-6% dearer at 128 MB).
describe("the DLQ step of a round", () => {
  test("with nothing to park, no park step runs", async () => {
    const { app, names } = tracedApp()
    const result = await app.handler(
      sqsEvent(sqsRecord(`{"name":"Widget","price":1}`, { messageId: "a-1" }), sqsRecord(`{"pk":"a-1"}`)),
      invocationContext()
    )
    expect(result).toEqual({ batchItemFailures: [] })
    expect(names).toContain("handleProductRound")
    expect(names).not.toContain("park")
    expect(app.deadLetter).toEqual([])
  })

  test("a message to park runs it once, and the message reaches the DLQ", async () => {
    const { app, names } = tracedApp()
    await app.handler(
      sqsEvent(sqsRecord(`{"name":"Widget","price":1}`, { messageId: "a-2" }), sqsRecord(`not json`)),
      invocationContext()
    )
    expect(names.filter((name) => name === "park")).toHaveLength(1)
    expect(app.deadLetter).toHaveLength(1)
  })
})
