import { Result, Schema } from "effect"
import { compiledDecoder } from "./compiled-decoder.ts"
import { InvalidMessage } from "./errors.ts"
import { DYNAMO_PARTITION_KEY_MAX_BYTES, unstorableNumber, utf8Bytes } from "./limits.ts"
import { oneLine } from "./one-line.ts"
import { isSqsSafe } from "./sqs-text.ts"

/** What a valid SQS record body asks for. */
export type Command =
  | { readonly _tag: "AddProduct"; readonly name: string; readonly price: number }
  | { readonly _tag: "GetProduct"; readonly pk: string }

const MAX_NAME_LENGTH = 1024

const sqsSafe = Schema.makeFilter<string>((s) => isSqsSafe(s) || "contains characters SQS cannot carry")

const Name = Schema.String.check(
  Schema.makeFilter<string>((s) => s.trim().length > 0 || "must not be empty or blank"),
  Schema.isMaxLength(MAX_NAME_LENGTH),
  sqsSafe
)
// Schema.Number never coerces strings, and JSON overflow such as 1e999 parses to Infinity: Finite rejects it.
// A price must also be a number DynamoDB and the document client store as given (see limits.ts).
const Price = Schema.Finite.check(
  Schema.isGreaterThanOrEqualTo(0),
  Schema.makeFilter<number>((n) => unstorableNumber(n) ?? true)
)
// DynamoDB counts key lengths in UTF-8 bytes: 700 × "€" is 700 characters but 2,100 bytes.
const Pk = Schema.String.check(
  Schema.isMinLength(1),
  Schema.makeFilter<string>((s) =>
    utf8Bytes(s) <= DYNAMO_PARTITION_KEY_MAX_BYTES ||
    `must be at most ${DYNAMO_PARTITION_KEY_MAX_BYTES} bytes of UTF-8 (DynamoDB's key limit)`
  ),
  sqsSafe
)

// Built once and compiled at init, as they run for every record. Unknown extra fields are ignored (Struct strips
// them).
const decodeAdd = compiledDecoder(Schema.Struct({ name: Name, price: Price }), { name: "n", price: 1 })
const decodeGet = compiledDecoder(Schema.Struct({ pk: Pk }), { pk: "p" })

const invalid = (reason: string) => Result.fail(new InvalidMessage({ reason }))

// JSON.parse rather than Schema.fromJsonString: the same parse, without the schema transformation
// around it, which cost three times the rest of decoding a record (measured on 10-record batches).
const parseJson = (body: string): Result.Result<unknown, undefined> => {
  try {
    return Result.succeed(JSON.parse(body))
  } catch {
    return Result.fail(undefined)
  }
}

const decodeWith = <A>(
  decode: (value: unknown, options: { readonly errors: "all" }) => Result.Result<A, { readonly message: string }>,
  value: unknown,
  make: (a: A) => Command
) => {
  const decoded = decode(value, { errors: "all" })
  return Result.isSuccess(decoded)
    ? Result.succeed(make(decoded.success))
    : invalid(oneLine(decoded.failure.message))
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Pure decoder of the message contract; every rejection carries a readable reason. */
export const decodeMessage = (body: string): Result.Result<Command, InvalidMessage> => {
  const parsed = parseJson(body)
  if (Result.isFailure(parsed)) return invalid("body is not valid JSON")
  const value = parsed.success
  if (!isRecord(value)) {
    return invalid(
      `body must be a JSON object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`
    )
  }
  const has = (key: string) => Object.hasOwn(value, key)
  if (has("pk")) {
    if (has("name") || has("price")) return invalid("ambiguous body: pk cannot be combined with name or price")
    return decodeWith(decodeGet, value, (m) => ({ _tag: "GetProduct", pk: m.pk }))
  }
  if (has("name") || has("price")) {
    return decodeWith(decodeAdd, value, (m) => ({ _tag: "AddProduct", name: m.name, price: m.price }))
  }
  return invalid("body must have either pk, or name and price")
}
