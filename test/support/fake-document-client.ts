import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb"
import { Layer } from "effect"
import { DynamoDocumentClient } from "../../src/aws/clients.ts"
import { marshallItem, unmarshallItem } from "../../src/aws/document-items.ts"
import { DynamoProductStore } from "../../src/aws/dynamo-product-store.ts"
import { AppConfig } from "../../src/config.ts"

export type Call = { name: string; input: any }

// The store sends DynamoDB's own commands, marshalled (src/aws/document-items.ts): the doubles see and answer them
// in document form, as the document client's BatchWriteCommand / BatchGetCommand, so that tests read as the table.
const DOCUMENT_NAMES: Record<string, string> = {
  BatchWriteItemCommand: "BatchWriteCommand",
  BatchGetItemCommand: "BatchGetCommand"
}
const mapTables = (tables: any, each: (requests: any) => any) =>
  Object.fromEntries(Object.entries(tables ?? {}).map(([table, requests]) => [table, each(requests)]))
const mapWrites = (tables: any, item: (i: any) => any) =>
  mapTables(tables, (requests) => requests.map((r: any) => ({ PutRequest: { Item: item(r.PutRequest.Item) } })))
const mapKeys = (tables: any, key: (k: any) => any) =>
  mapTables(tables, ({ Keys, ...rest }: any) => ({ ...rest, Keys: Keys.map(key) }))

/** A command as the document client would have had it: its name and unmarshalled input. */
export const documentCall = (command: { constructor: { name: string }; input: any }): Call => {
  const name = DOCUMENT_NAMES[command.constructor.name] ?? command.constructor.name
  const { RequestItems } = command.input
  if (name === "BatchWriteCommand") return { name, input: { RequestItems: mapWrites(RequestItems, unmarshallItem) } }
  if (name === "BatchGetCommand") return { name, input: { RequestItems: mapKeys(RequestItems, unmarshallItem) } }
  return { name, input: command.input }
}

/** A document-form answer, marshalled as DynamoDB sends it. */
export const dynamoAnswer = (name: string, answer: any) => {
  if (name === "BatchWriteCommand") {
    return { ...answer, UnprocessedItems: mapWrites(answer.UnprocessedItems, marshallItem) }
  }
  if (name === "BatchGetCommand") {
    return {
      ...answer,
      Responses: mapTables(answer.Responses, (items) => items.map(marshallItem)),
      UnprocessedKeys: mapKeys(answer.UnprocessedKeys, marshallItem)
    }
  }
  return answer
}

/** A DocumentClient double: records every command and answers with `reply` (an Error is thrown). */
export const fakeDocumentClient = (reply: (call: Call) => unknown) => {
  const calls: Array<Call> = []
  const client = {
    send: async (command: { constructor: { name: string }; input: unknown }) => {
      const call = documentCall(command)
      calls.push(call)
      const answer = await reply(call)
      if (answer instanceof Error) throw answer
      return { $metadata: {}, ...dynamoAnswer(call.name, answer) }
    }
  }
  return { client: client as unknown as DynamoDBDocumentClient, calls }
}

/** The real DynamoProductStore over a (fake) client, on the table "products". */
export const dynamoStoreOn = (client: DynamoDBDocumentClient) =>
  DynamoProductStore.pipe(Layer.provide(Layer.mergeAll(
    Layer.succeed(DynamoDocumentClient, client),
    Layer.succeed(AppConfig, {
      tableName: "products",
      outputQueueUrl: "http://q/out",
      deadLetterQueueUrl: "http://q/dlq",
      maxConcurrency: 4,
      awsHttpClient: "socket"
    })
  )))
