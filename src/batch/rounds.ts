import type { BatchRecord } from "./sqs-event.ts"

/**
 * Orders a batch into rounds: the records processed together, one round after the other. Standard
 * queues: one round with every record. FIFO queues: round k holds the k-th record of each message
 * group, so each group runs in order while different groups are still processed (and batched) together.
 */
export const planRounds = (records: ReadonlyArray<BatchRecord>): Array<Array<BatchRecord>> => {
  if (!records.some((r) => r.groupId !== undefined)) return records.length === 0 ? [] : [[...records]]
  const groups = new Map<unknown, Array<BatchRecord>>()
  for (const r of records) {
    // A record without a group in a FIFO batch cannot be ordered against others: its own group.
    const key = r.groupId ?? r
    const group = groups.get(key)
    if (group) group.push(r)
    else groups.set(key, [r])
  }
  const rounds: Array<Array<BatchRecord>> = []
  for (const group of groups.values()) {
    group.forEach((record, k) => (rounds[k] ??= []).push(record))
  }
  return rounds
}
