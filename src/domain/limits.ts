/**
 * What DynamoDB and SQS can hold (AWS documentation: DynamoDB "Constraints" and "Supported data
 * types"; SQS "Message quotas"). The message contract rejects anything beyond them at decode time,
 * so that one record's value can never fail a request shared with other records.
 */

/**
 * DynamoDB numbers: at most 38 significant digits; nonzero magnitudes 1E-130 .. 9.99…E+125. A JSON
 * number is read as a double, which JavaScript writes with at most 17 significant digits, so the
 * digit limit cannot be reached (more digits in a body are rounded to the nearest double).
 */
const DYNAMO_NUMBER_MIN_MAGNITUDE = 1e-130
/**
 * The document client refuses numbers above Number.MAX_SAFE_INTEGER unless they are wrapped as
 * NumberValue, and reads them back as imprecise numbers. Prices are plain JSON numbers, so the
 * contract stops there (far below DynamoDB's own ceiling of 9.99…E+125).
 */
const MAX_PRICE = Number.MAX_SAFE_INTEGER

/** DynamoDB partition key values: 1 to 2,048 bytes of UTF-8. */
export const DYNAMO_PARTITION_KEY_MAX_BYTES = 2_048
/** DynamoDB item size: 400 KB, attribute names and values together (1 KB = 1,024 bytes). */
export const DYNAMO_ITEM_MAX_BYTES = 400 * 1_024

/** SQS message size, body and message attributes together: 1 MiB. */
export const SQS_MESSAGE_MAX_BYTES = 1_048_576
/** SQS messages per call: SendMessageBatch and DeleteMessageBatch entries, ReceiveMessage's MaxNumberOfMessages. */
export const SQS_BATCH_MAX_ENTRIES = 10

export const utf8Bytes = (text: string): number => Buffer.byteLength(text, "utf8")

/** The size SQS counts for a message: body plus each attribute's name, data type ("String") and value. */
export const sqsMessageBytes = (m: { readonly body: string; readonly attributes: Readonly<Record<string, string>> }) =>
  Object.entries(m.attributes).reduce(
    (n, [k, v]) => n + utf8Bytes(k) + utf8Bytes("String") + utf8Bytes(v),
    utf8Bytes(m.body)
  )

/** Significant digits of a number as JavaScript writes it (at most 17 for any double). */
export const significantDigits = (n: number): number => {
  const mantissa = Math.abs(n).toExponential().split("e")[0]!.replace(".", "")
  return mantissa.replace(/0+$/, "").length
}

/** Why DynamoDB (or the document client) cannot store `n` as a number, or undefined when it can. */
export const unstorableNumber = (n: number): string | undefined => {
  if (!Number.isFinite(n)) return "must be a finite number"
  if (Math.abs(n) > MAX_PRICE) return `must be at most ${MAX_PRICE} (Number.MAX_SAFE_INTEGER) in magnitude`
  if (n !== 0 && Math.abs(n) < DYNAMO_NUMBER_MIN_MAGNITUDE) {
    return "must be 0 or at least 1e-130 in magnitude (DynamoDB's smallest number)"
  }
  return undefined
}

/**
 * An item's size as DynamoDB counts it: each attribute's name in UTF-8 plus its value (strings in
 * UTF-8; numbers about one byte per two significant digits, plus one).
 */
export const dynamoItemBytes = (item: Readonly<Record<string, string | number | undefined>>): number =>
  Object.entries(item).reduce((total, [name, value]) => {
    if (value === undefined) return total
    const size = typeof value === "string" ? utf8Bytes(value) : Math.ceil(significantDigits(value) / 2) + 1
    return total + utf8Bytes(name) + size
  }, 0)
