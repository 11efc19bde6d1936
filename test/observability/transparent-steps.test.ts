import { describe, expect, test } from "bun:test"
import { Context, Option, Tracer } from "effect"
import { withoutSteps } from "../../src/observability/transparent-steps.ts"

// A parent whose ids count how often they are read (drawing them is what costs).
const countingParent = () => {
  const reads = { spanId: 0, traceId: 0 }
  const parent = Tracer.externalSpan({ spanId: "p", traceId: "t" })
  const counted: Tracer.AnySpan = {
    ...parent,
    get spanId() {
      reads.spanId++
      return "53995c3f42cd8ad8"
    },
    get traceId() {
      reads.traceId++
      return "5759e988bd862e3fe1be46a994272793"
    }
  }
  return { reads, counted }
}

const optionsFor = (name: string, parent: Tracer.AnySpan) => ({
  name,
  parent: Option.some(parent),
  annotations: Context.empty(),
  links: [],
  startTime: 1n,
  kind: "internal" as const,
  root: false,
  sampled: true
})

describe("transparent steps", () => {
  const made: Array<string> = []
  const inner = Tracer.make({
    span: (options) => {
      made.push(options.name)
      return Tracer.nativeTracer.span(options)
    }
  })
  const tracer = withoutSteps(inner, new Set(["putAll"]))

  test("a listed step is not handed to the tracer, and reads its parent's ids only when asked", () => {
    const { reads, counted } = countingParent()
    const span = tracer.span(optionsFor("putAll", counted))
    span.attribute("ignored", 1)
    span.event("ignored", 2n)
    span.end(3n, undefined as never)
    expect(made).toEqual([])
    expect(reads).toEqual({ spanId: 0, traceId: 0 })
    expect(span.spanId).toBe("53995c3f42cd8ad8")
    expect(span.traceId).toBe("5759e988bd862e3fe1be46a994272793")
    expect(span.attributes.size).toBe(0)
    expect(span.status._tag).toBe("Started")
  })

  test("other steps, and a listed step without a parent, are the tracer's", () => {
    const { counted } = countingParent()
    tracer.span(optionsFor("batchCall", counted))
    tracer.span({ ...optionsFor("putAll", counted), parent: Option.none() })
    expect(made).toEqual(["batchCall", "putAll"])
  })
})
