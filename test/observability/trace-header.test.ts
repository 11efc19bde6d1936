import { describe, expect, test } from "bun:test"
import { lambdaParentSpan, parseTraceHeader } from "../../src/observability/trace-header.ts"

const ROOT = "1-5759e988-bd862e3fe1be46a994272793"

describe("_X_AMZN_TRACE_ID", () => {
  test("Root becomes the 32-digit trace id, Parent the parent span, Sampled=1 sampled", () => {
    expect(parseTraceHeader(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`))
      .toEqual({ traceId: "5759e988bd862e3fe1be46a994272793", parentSpanId: "53995c3f42cd8ad8", sampled: true })
  })

  test("keys in any order and case, extra keys (Lineage) ignored", () => {
    expect(
      parseTraceHeader(
        `Sampled=0;Lineage=a87bd80c:1|68fd508a:5;parent=53995C3F42CD8AD8;Root=${ROOT.toUpperCase().replace("1-", "1-")}`
      )
    )
      .toEqual({ traceId: "5759e988bd862e3fe1be46a994272793", parentSpanId: "53995c3f42cd8ad8", sampled: false })
  })

  test("Sampled=0, Sampled=? and no Sampled are not sampled, as in the X-Ray propagator", () => {
    for (const s of [";Sampled=0", ";Sampled=?", ""]) {
      expect(parseTraceHeader(`Root=${ROOT};Parent=53995c3f42cd8ad8${s}`)?.sampled).toBe(false)
    }
  })

  test.each([
    ["undefined", undefined],
    ["empty", ""],
    ["no Parent", `Root=${ROOT};Sampled=1`],
    ["a short Parent", `Root=${ROOT};Parent=53995c3f;Sampled=1`],
    ["an all-zero Parent", `Root=${ROOT};Parent=0000000000000000;Sampled=1`],
    ["a Root of another version", "Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8"],
    ["a Root with a non-hex digit", "Root=1-5759e988-bd862e3fe1be46a99427279z;Parent=53995c3f42cd8ad8"],
    ["garbage", "not a header"]
  ])("%s: nothing to link to", (_, header) => {
    expect(parseTraceHeader(header)).toBeUndefined()
  })

  test("the parent span carries Lambda's ids; always_on samples what Lambda did not", () => {
    const context = parseTraceHeader(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=0`)!
    expect(lambdaParentSpan(context)).toMatchObject({
      _tag: "ExternalSpan",
      traceId: context.traceId,
      spanId: "53995c3f42cd8ad8",
      sampled: false
    })
    expect(lambdaParentSpan(context, true).sampled).toBe(true)
  })
})
