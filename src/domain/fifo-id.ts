import { createHash } from "node:crypto"

/**
 * SQS's rule for MessageGroupId and MessageDeduplicationId: 1 to 128 characters, each alphanumeric
 * (a-z, A-Z, 0-9) or punctuation !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ (AWS SQS "Message quotas").
 */
const FIFO_ID = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/

export const isFifoId = (text: string): boolean => FIFO_ID.test(text)

/**
 * A valid FIFO id for `text`: the text itself when SQS accepts it, else the hex SHA-256 of its UTF-8
 * (64 characters). Deterministic, so equal texts (one product's reads, one message's resends) keep
 * one group and one deduplication id.
 */
export const fifoId = (text: string): string =>
  isFifoId(text) ? text : `sha256-${createHash("sha256").update(text, "utf8").digest("hex")}`
