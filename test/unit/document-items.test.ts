import { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb"
import { describe, expect, test } from "bun:test"
import { cacheHandlers, sendAborting } from "../../src/aws/cached-handlers.ts"
import { transport } from "../../src/aws/clients.ts"
import { checkCrc32 } from "../../src/aws/crc32-check.ts"
import {
  batchGetItem,
  batchWriteItem,
  marshallItem,
  readResults,
  unmarshallItem,
  unprocessedWrites
} from "../../src/aws/document-items.ts"
import { leanMiddleware } from "../../src/aws/lean-middleware.ts"
import { cannedAwsServer, EXAMPLE_CREDENTIALS } from "../support/canned-aws-server.ts"

// A write answered with its second item unprocessed, so that the answer's unmarshalling is compared too.
const { wire, endpoint } = cannedAwsServer((target, body) => {
  if (!target.endsWith("BatchWriteItem")) return undefined
  const unprocessed = { UnprocessedItems: { products: [JSON.parse(body).RequestItems.products[1]] } }
  return new Response(JSON.stringify(unprocessed), { headers: { "content-type": "application/x-amz-json-1.0" } })
})
const bodies = (): Array<string> => wire.splice(0).map((r) => r.body)

const client = () => {
  const dynamo = cacheHandlers(leanMiddleware(
    new DynamoDBClient({
      endpoint,
      region: "eu-west-1",
      credentials: EXAMPLE_CREDENTIALS,
      maxAttempts: 1,
      ...transport()
    })
  ))
  checkCrc32(dynamo)
  return DynamoDBDocumentClient.from(dynamo)
}

// What dynamodb-toolbox hands the store (BatchWriteCommand / BatchGetCommand params), odd values included.
const items = [
  { pk: "p1", name: "Thé vert", price: 4.5, createdAt: "2026-11-27T12:00:00.000Z", _et: "Product" },
  { pk: "p2", name: "", price: 0, createdAt: undefined, _et: "Product" }
]
const writes = { products: items.map((Item) => ({ PutRequest: { Item } })) }
const reads = { products: { Keys: [{ pk: "p1" }, { pk: "p2" }], ConsistentRead: true } }

describe("DynamoDB's own commands from the document form (document-items.ts)", () => {
  test("the same request bodies as the document client's, and the same answers", async () => {
    const documents = client()
    const signal = new AbortController().signal
    wire.length = 0
    const docWrite = await documents.send(new BatchWriteCommand({ RequestItems: writes }))
    const docRead = await documents.send(new BatchGetCommand({ RequestItems: reads }))
    const documentBodies = bodies()
    const write = await sendAborting(documents, batchWriteItem(writes), signal)
    const read = await sendAborting(documents, batchGetItem(reads), signal)
    expect(bodies()).toEqual(documentBodies)
    expect(unprocessedWrites(write, "products")).toEqual(
      docWrite.UnprocessedItems!.products!.map((r) => r.PutRequest!.Item!)
    )
    expect(unprocessedWrites(write, "products")).toEqual([{ pk: "p2", name: "", price: 0, _et: "Product" }])
    expect(readResults(read, "products").found).toEqual(docRead.Responses!.products!)
    expect(readResults(read, "products").found).toHaveLength(2)
  })

  test("attributes are marshalled one by one; undefined values and functions are left out", () => {
    expect(marshallItem({ a: "x", b: 1, c: undefined, d: () => 1, e: [1], f: { g: true } })).toEqual({
      a: { S: "x" },
      b: { N: "1" },
      e: { L: [{ N: "1" }] },
      f: { M: { g: { BOOL: true } } }
    })
    expect(unmarshallItem({ a: { S: "x" }, b: { N: "1" }, f: { M: { g: { BOOL: true } } } })).toEqual({
      a: "x",
      b: 1,
      f: { g: true }
    })
  })

  test("a number the document client cannot carry fails the same way", () => {
    expect(() => batchWriteItem({ products: [{ PutRequest: { Item: { pk: "p", price: 1e16 } } }] })).toThrow(
      "MAX_SAFE_INTEGER"
    )
  })
})
