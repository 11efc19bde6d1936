import type { BatchRecord } from "./sqs-event.ts"

/**
 * Orders a batch into rounds of record indices. Standard queues: one round with every record.
 * FIFO queues: round k holds the k-th record of each message group, so each group runs in order
 * while different groups are still processed (and batched) together.
 */
export const planRounds = (records: ReadonlyArray<BatchRecord>): Array<Array<number>> => {
  if (!records.some((r) => r.groupId !== undefined)) return records.length === 0 ? [] : [records.map((_, i) => i)]
  const groups = new Map<string, Array<number>>()
  records.forEach((r, i) => {
    // A record without a group in a FIFO batch cannot be ordered against others: its own group.
    const key = r.groupId ?? `\u0000${r.messageId}:${i}`
    const group = groups.get(key)
    if (group) group.push(i)
    else groups.set(key, [i])
  })
  const rounds: Array<Array<number>> = []
  for (const group of groups.values()) {
    group.forEach((index, k) => (rounds[k] ??= []).push(index))
  }
  return rounds
}
