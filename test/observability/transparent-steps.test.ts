import { describe, expect, test } from "bun:test"
import { Context, Exit, Option, Tracer } from "effect"
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
    tracer.span(optionsFor("deliverAll", counted))
    tracer.span({ ...optionsFor("putAll", counted), parent: Option.none() })
    expect(made).toEqual(["deliverAll", "putAll"])
  })
})

describe("lazy steps", () => {
  // A tracer that records what it made and what ended; and a minimal Effect-like lifecycle.
  const setup = () => {
    const made: Array<Tracer.Span> = []
    const ended: Array<string> = []
    const inner = Tracer.make({
      span: (options) => {
        const span = Tracer.nativeTracer.span(options)
        const end = span.end.bind(span)
        span.end = (time, exit) => {
          ended.push(options.name)
          end(time, exit)
        }
        made.push(span)
        return span
      }
    })
    const tracer = withoutSteps(inner, new Set(["sendAll"]), new Set(["park"]))
    const root = tracer.span({ ...optionsFor("wave", Tracer.externalSpan({ spanId: "p", traceId: "t" })) })
    const child = (name: string, parent: Tracer.AnySpan, startTime = 5n) =>
      tracer.span({ ...optionsFor(name, parent), startTime })
    return { made, ended, root, child }
  }
  const success = Exit.void
  const failure = Exit.fail("refused")

  test("ended with nothing under it and no failure, it leaves nothing", () => {
    const { made, ended, root, child } = setup()
    const park = child("park", root)
    const sendAll = child("sendAll", park)
    sendAll.end(6n, success)
    park.end(7n, success)
    expect(made.map((s) => s.name)).toEqual(["wave"])
    expect(ended).toEqual([])
    expect(park.status._tag).toBe("Ended")
  })

  test("a request under it, through a transparent step, keeps it, with its own start and its parent", () => {
    const { made, ended, root, child } = setup()
    const park = child("park", root, 5n)
    const sendAll = child("sendAll", park, 6n)
    const request = child("deliverAll", sendAll, 7n)
    request.end(8n, success)
    sendAll.end(9n, success)
    park.end(10n, success)
    expect(made.map((s) => s.name)).toEqual(["wave", "park", "deliverAll"])
    const real = made[1]!
    expect(real.status).toMatchObject({ _tag: "Ended", startTime: 5n, endTime: 10n })
    expect(real.parent._tag === "Some" && real.parent.value).toBe(root)
    // The request's parent presents the kept span's ids.
    expect(request.parent._tag === "Some" && request.parent.value.spanId).toBe(real.spanId)
    expect(ended).toEqual(["deliverAll", "park"])
  })

  test("a failure, an attribute or an event keeps it", () => {
    for (
      const act of [
        (s: Tracer.Span) => s.end(7n, failure),
        (s: Tracer.Span) => (s.attribute("parked", 2), s.end(7n, success)),
        (s: Tracer.Span) => (s.event("parked", 6n), s.end(7n, success))
      ]
    ) {
      const { made, ended, root, child } = setup()
      act(child("park", root))
      expect(made.map((s) => s.name)).toEqual(["wave", "park"])
      expect(ended).toEqual(["park"])
    }
  })

  test("asking for its ids keeps it: whoever asks will refer to it", () => {
    const { made, root, child } = setup()
    const park = child("park", root)
    expect(park.spanId).toBe(made[1]!.spanId)
  })
})
