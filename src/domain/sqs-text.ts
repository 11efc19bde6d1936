/**
 * SQS accepts only these characters in bodies and attribute values
 * (#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF). A field that would be
 * echoed to a queue is checked against it, so a valid message can never fail at send time.
 */
const SQS_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/

export const isSqsSafe = (text: string): boolean => text.isWellFormed() && !SQS_FORBIDDEN.test(text)

/** The text with every character SQS refuses (lone surrogates included) replaced by U+FFFD. */
const SQS_FORBIDDEN_ALL = new RegExp(SQS_FORBIDDEN.source, "g")
export const toSqsText = (text: string): string => text.toWellFormed().replace(SQS_FORBIDDEN_ALL, "\uFFFD")

/** Cut to at most `maxBytes` bytes of UTF-8 without splitting a character. */
export const cutToBytes = (text: string, maxBytes: number): string => {
  const bytes = Buffer.from(text, "utf8")
  if (bytes.length <= maxBytes) return text
  let end = Math.max(0, maxBytes)
  // Back up to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--
  return bytes.subarray(0, end).toString("utf8")
}

/** Cut to at most `max` characters without splitting a surrogate pair. */
export const truncate = (text: string, max: number): string => {
  if (text.length <= max) return text
  const cut = text.slice(0, Math.max(0, max - 1))
  const safe = /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut
  return `${safe}…`
}
