import { describe, expect, test } from "bun:test"
import { Effect, Result, Schema } from "effect"
import { SchemaJITCompiler } from "effect/schema"
import { decodeSqsEvent } from "../../src/batch/sqs-event.ts"
import { compiledDecoder } from "../../src/domain/compiled-decoder.ts"
import { decodeMessage } from "../../src/domain/message.ts"

// A schema of the same kinds as the event's and the messages' (optional fields, literals, filters, arrays),
// compiled and interpreted: the two must agree on every input, valid or not, down to the issues' text.
const make = () =>
  Schema.Struct({
    id: Schema.NonEmptyString,
    kind: Schema.optional(Schema.Literal("a")),
    name: Schema.String.check(
      Schema.makeFilter<string>((s) => s.trim().length > 0 || "must not be blank"),
      Schema.isMaxLength(5)
    ),
    price: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)),
    tags: Schema.optional(Schema.Array(Schema.Struct({ key: Schema.String })))
  })

const inputs: Array<unknown> = [
  { id: "x", name: "ok", price: 1 },
  { id: "x", kind: "a", name: "ok", price: 0, tags: [{ key: "k" }], extra: true },
  { id: "", name: " ", price: -1 },
  { id: "x", kind: "b", name: "toolong", price: Infinity },
  { id: "x", name: "ok", price: "1" },
  { id: "x", name: "ok", price: 1, tags: [{ key: 1 }] },
  { name: "ok" },
  null,
  [],
  "text"
]

const settled = (r: Result.Result<unknown, { readonly message: string }>) =>
  Result.isSuccess(r) ? { ok: r.success } : { failed: r.failure.message }

describe("compiledDecoder", () => {
  test("decodes and rejects as Schema.decodeUnknownResult does, with the same messages", () => {
    const compiled = compiledDecoder(make(), { id: "x", kind: "a", name: "ok", price: 1, tags: [{ key: "k" }] })
    const interpreted = Schema.decodeUnknownResult(make())
    for (const input of inputs) {
      for (const options of [undefined, { errors: "all" as const }]) {
        expect(settled(compiled(input, options))).toEqual(settled(interpreted(input, options)))
      }
    }
  })

  test("the SQS event: a valid event decodes, anything else fails the invocation with Schema's reason", () => {
    const record = { messageId: "m1", body: "{}", eventSource: "aws:sqs", attributes: { SentTimestamp: "5" } }
    expect(Effect.runSync(decodeSqsEvent({ Records: [record, { ...record, messageId: "m2", attributes: {} }] })))
      .toEqual([{ messageId: "m1", body: "{}", sentTimestamp: 5 }, { messageId: "m2", body: "{}" }])
    const failed = Effect.runSync(Effect.flip(decodeSqsEvent({ Records: [{ ...record, messageId: "" }] })))
    expect(failed.reason).toStartWith("not an SQS event: ")
    expect(failed.reason).toContain(`["Records"][0]["messageId"]`)
  })

  test("the messages: each rejection keeps its reason, decoded values their fields", () => {
    expect(decodeMessage(`{"name":" ","price":-1}`)).toEqual(decodeMessage(`{"price":-1,"name":" "}`))
    const reason = decodeMessage(`{"name":" ","price":-1}`)
    expect(Result.isFailure(reason) && reason.failure.reason).toContain("must not be empty or blank")
    expect(Result.isFailure(reason) && reason.failure.reason).toContain("greater than or equal to 0")
    expect(decodeMessage(`{"pk":"p1","x":1}`)).toEqual(Result.succeed({ _tag: "GetProduct", pk: "p1" }))
  })

  // Effect compiles with globalThis.Function: counting its calls shows when the compiling happens.
  const countingFunction = () => {
    const original = globalThis.Function
    const counter = { calls: 0, restore: () => void (globalThis.Function = original) }
    globalThis.Function = new Proxy(original, {
      apply: (target, self, args) => (counter.calls++, Reflect.apply(target, self, args))
    })
    return counter
  }
  const valid = [
    { id: "x", name: "ok", price: 1 },
    { id: "y", kind: "a", name: "ok", price: 2, tags: [{ key: "k" }, { key: "l" }] }
  ]

  test("compiles when made, from its sample: decoding valid inputs afterwards compiles nothing", () => {
    const counter = countingFunction()
    try {
      const compiled = compiledDecoder(make(), { id: "x", kind: "a", name: "ok", price: 1, tags: [{ key: "k" }] })
      const atInit = counter.calls
      expect(atInit).toBeGreaterThan(0)
      for (const input of valid) expect(Result.isSuccess(compiled(input))).toBe(true)
      expect(counter.calls).toBe(atInit)

      // What the sample spares: left to Effect, the compiling happens at the first decode.
      const schema = make()
      SchemaJITCompiler.enable(schema.ast)
      const lazy = Schema.decodeUnknownResult(schema)
      const beforeFirst = counter.calls
      lazy(valid[1])
      expect(counter.calls).toBeGreaterThan(beforeFirst)
    } finally {
      counter.restore()
    }
  })

  test("a sample that does not decode is refused when the decoder is made", () => {
    expect(() => compiledDecoder(make(), { id: "", name: "ok", price: 1 })).toThrow("the sample does not decode")
  })

  test(
    "the event's and the messages' decoders are compiled when their modules load, before any invocation",
    async () => {
      // A process of its own, so that the modules load after the counting starts.
      const script = `
      const original = globalThis.Function
      let calls = 0
      globalThis.Function = new Proxy(original, { apply: (t, s, a) => (calls++, Reflect.apply(t, s, a)) })
      const { Effect } = await import("effect")
      const { decodeSqsEvent } = await import(${JSON.stringify(import.meta.dir + "/../../src/batch/sqs-event.ts")})
      const { decodeMessage } = await import(${JSON.stringify(import.meta.dir + "/../../src/domain/message.ts")})
      const atLoad = calls
      const record = { messageId: "m1", body: "{}", eventSource: "aws:sqs",
        attributes: { SentTimestamp: "5", MessageGroupId: "g", ApproximateReceiveCount: "2" } }
      Effect.runSync(decodeSqsEvent({ Records: [record, { ...record, attributes: undefined }] }))
      decodeMessage(JSON.stringify({ name: "n", price: 2 }))
      decodeMessage(JSON.stringify({ pk: "p1" }))
      console.log(JSON.stringify({ atLoad, afterDecoding: calls }))
    `
      const run = Bun.spawnSync([process.execPath, "-e", script], { stderr: "pipe" })
      expect(run.stderr.toString()).toBe("")
      const { atLoad, afterDecoding } = JSON.parse(run.stdout.toString())
      expect(atLoad).toBeGreaterThan(0)
      expect(afterDecoding).toBe(atLoad)
    },
    15_000
  )
})
