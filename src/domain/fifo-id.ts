/**
 * SQS's rule for MessageGroupId and MessageDeduplicationId: 1 to 128 characters, each alphanumeric
 * (a-z, A-Z, 0-9) or punctuation !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ (AWS SQS "Message quotas").
 */
const FIFO_ID = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/

export const isFifoId = (text: string): boolean => FIFO_ID.test(text)

// On Bun its native hasher, so that the handler does not load node:crypto (about 1 ms of a cold start).
const sha256Hex = (text: string): string =>
  typeof Bun !== "undefined"
    ? new Bun.CryptoHasher("sha256").update(text, "utf8").digest("hex")
    : process.getBuiltinModule("node:crypto").createHash("sha256").update(text, "utf8").digest("hex")

/**
 * A valid FIFO id for `text`: the text itself when SQS accepts it, else the hex SHA-256 of its UTF-8
 * (64 characters). Deterministic, so equal texts (one product's reads, one message's resends) keep
 * one group and one deduplication id.
 */
export const fifoId = (text: string): string => (isFifoId(text) ? text : `sha256-${sha256Hex(text)}`)
