/** What the event source mapping does with a batch after the function ran. */
export type Settlement =
  | { readonly kind: "partial"; readonly succeeded: ReadonlyArray<string>; readonly failed: ReadonlyArray<string> }
  | { readonly kind: "whole-batch-failed"; readonly reason: string }

/**
 * Lambda's ReportBatchItemFailures rules: a null or empty batchItemFailures means every record
 * succeeded; an itemIdentifier that is empty, null or not a message id of the batch, or a response
 * that is not valid JSON, fails the whole batch; a function error or timeout fails the whole batch.
 */
export const settleBatch = (
  messageIds: ReadonlyArray<string>,
  outcome: { readonly functionError: boolean; readonly payload?: string }
): Settlement => {
  if (outcome.functionError) return { kind: "whole-batch-failed", reason: "function error" }
  let response: unknown
  try {
    response = JSON.parse(outcome.payload ?? "null")
  } catch {
    return { kind: "whole-batch-failed", reason: "response is not valid JSON" }
  }
  const failures = response !== null && typeof response === "object"
    ? (response as { batchItemFailures?: unknown }).batchItemFailures
    : undefined
  if (failures === undefined || failures === null) return { kind: "partial", succeeded: messageIds, failed: [] }
  if (!Array.isArray(failures)) return { kind: "whole-batch-failed", reason: "batchItemFailures is not a list" }
  const ids = new Set(messageIds)
  const failed = new Set<string>()
  for (const f of failures) {
    const id = f !== null && typeof f === "object" ? (f as { itemIdentifier?: unknown }).itemIdentifier : undefined
    if (typeof id !== "string" || id.length === 0 || !ids.has(id)) {
      return { kind: "whole-batch-failed", reason: `invalid itemIdentifier ${JSON.stringify(id ?? null)}` }
    }
    failed.add(id)
  }
  return { kind: "partial", succeeded: messageIds.filter((id) => !failed.has(id)), failed: [...failed] }
}
