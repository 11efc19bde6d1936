import { SendMessageBatchCommand } from "@aws-sdk/client-sqs"
import { Effect } from "effect"
import { AppConfig } from "../config.ts"
import { DynamoDocumentClient, SqsClient } from "./clients.ts"
import { batchGetItem, batchWriteItem } from "./document-items.ts"
import { consistentGetRequests, makeProductTable, putRequests } from "./product-table.ts"
import { isFifoQueue, toEntry } from "./sqs-queue.ts"

/** Thrown by the last middleware before the transport: a priming request never leaves the process. */
class PrimingStop extends Error {
  override readonly name = "PrimingStop"
}

interface StoppableCommand {
  readonly middlewareStack: {
    add: (middleware: () => () => Promise<never>, options: { step: "deserialize"; priority: "low" }) => void
  }
}

// The innermost middleware of the deserialize step wraps the transport call itself. Unnamed: a
// document client command lends its stack to the command it wraps, which adds it a second time.
const neverSent = <C extends StoppableCommand>(command: C): C => {
  command.middlewareStack.add(() => () => Promise.reject(new PrimingStop("priming request, not sent")), {
    step: "deserialize",
    priority: "low"
  })
  return command
}

/**
 * Sends each kind of request the function makes through its real client, table model and
 * middleware (credentials, endpoint, serialisation, signing) and stops it before the network.
 * The SDK resolves and compiles much of that lazily, on the first call: done at init, which Lambda
 * runs unthrottled, it is not paid by the first invocations of a small function, which are.
 * Returns how many requests reached the stop.
 */
export const primeAwsClients = Effect.gen(function*() {
  const config = yield* AppConfig
  const dynamo = yield* DynamoDocumentClient
  const sqs = yield* SqsClient
  // The same request builders as the store and the queues use.
  const model = makeProductTable(config.tableName, dynamo)
  const product = { pk: "priming", name: "priming", price: 0, createdAt: "1970-01-01T00:00:00.000Z" }
  const writes = putRequests(model, [product])
  const reads = consistentGetRequests(model, [product.pk])
  const entries = [
    toEntry({ body: "priming", attributes: { outcome: "priming" } }, "0", isFifoQueue(config.outputQueueUrl))
  ]
  // Thunks, so that a synchronous throw is a settled rejection too: priming never fails init.
  const results = yield* Effect.promise(() =>
    Promise.allSettled([
      async () => dynamo.send(neverSent(batchWriteItem(writes))),
      async () => dynamo.send(neverSent(batchGetItem(reads))),
      async () =>
        sqs.send(neverSent(new SendMessageBatchCommand({ QueueUrl: config.outputQueueUrl, Entries: entries })))
    ].map((send) => send()))
  )
  // Anything but the stop (e.g. missing credentials) is left for the first real call to report.
  const stopped = results.filter((r) => r.status === "rejected" && r.reason instanceof PrimingStop).length
  yield* Effect.logDebug("AWS clients primed").pipe(Effect.annotateLogs({ stopped, of: results.length }))
  return stopped
}).pipe(Effect.withSpan("primeAwsClients"))
