import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput
} from "@aws-sdk/client-dynamodb"
import type { BatchGetCommandInput, BatchWriteCommandInput } from "@aws-sdk/lib-dynamodb"
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb"

// DynamoDB's own BatchWriteItem and BatchGetItem commands from the document form dynamodb-toolbox builds, and their
// answers back, marshalled as the document client does (lib-dynamodb's marshallInput / unmarshallOutput, default
// options): each attribute on its own, functions and undefined values left out. So the requests go through a
// cached handler (cached-handlers.ts), which the document client's commands cannot, and the bodies on the wire stay
// the document client's (test/unit/document-items.test.ts).

type Item = Record<string, unknown>
type Marshalled = Record<string, AttributeValue>

const MARSHALL = { convertTopLevelContainer: true }
const UNMARSHALL = { convertWithoutMapWrapper: true }

export const marshallItem = (item: Item): Marshalled => {
  const out: Marshalled = {}
  for (const key in item) {
    const value = item[key]
    if (value !== undefined && typeof value !== "function") out[key] = marshall(value as never, MARSHALL)
  }
  return out
}

export const unmarshallItem = (item: Marshalled): Item => {
  const out: Item = {}
  for (const key in item) out[key] = unmarshall(item[key] as never, UNMARSHALL)
  return out
}

type WriteRequests = NonNullable<BatchWriteCommandInput["RequestItems"]>
type GetRequests = NonNullable<BatchGetCommandInput["RequestItems"]>

/** BatchWriteItem for the document-form requests of one table per key (puts and deletes). */
export const batchWriteItem = (requestItems: WriteRequests): BatchWriteItemCommand => {
  const RequestItems: NonNullable<BatchWriteItemCommand["input"]["RequestItems"]> = {}
  for (const table in requestItems) {
    RequestItems[table] = requestItems[table]!.map((r) => ({
      ...(r.PutRequest ? { PutRequest: { Item: marshallItem(r.PutRequest.Item as Item) } } : {}),
      ...(r.DeleteRequest ? { DeleteRequest: { Key: marshallItem(r.DeleteRequest.Key as Item) } } : {})
    }))
  }
  return new BatchWriteItemCommand({ RequestItems })
}

/** BatchGetItem for the document-form keys (and options: ConsistentRead...) of each table. */
export const batchGetItem = (requestItems: GetRequests): BatchGetItemCommand => {
  const RequestItems: NonNullable<BatchGetItemCommand["input"]["RequestItems"]> = {}
  for (const table in requestItems) {
    const { Keys, ...options } = requestItems[table]!
    RequestItems[table] = { ...options, Keys: (Keys ?? []).map((k) => marshallItem(k as Item)) }
  }
  return new BatchGetItemCommand({ RequestItems })
}

/** The items DynamoDB did not write, per table, in document form. */
export const unprocessedWrites = (output: BatchWriteItemCommandOutput, table: string): Array<Item> =>
  (output.UnprocessedItems?.[table] ?? []).flatMap((
    r
  ) => (r.PutRequest?.Item ? [unmarshallItem(r.PutRequest.Item)] : []))

/** The items found and the keys left unprocessed, per table, in document form. */
export const readResults = (output: BatchGetItemCommandOutput, table: string) => ({
  found: (output.Responses?.[table] ?? []).map(unmarshallItem),
  unprocessed: (output.UnprocessedKeys?.[table]?.Keys ?? []).map(unmarshallItem)
})
