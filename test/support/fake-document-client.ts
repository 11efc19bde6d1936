import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb"
import { Layer } from "effect"
import { DynamoDocumentClient } from "../../src/aws/clients.ts"
import { DynamoProductStore } from "../../src/aws/dynamo-product-store.ts"
import { AppConfig } from "../../src/config.ts"

export type Call = { name: string; input: any }

/** A DocumentClient double: records every command and answers with `reply` (an Error is thrown). */
export const fakeDocumentClient = (reply: (call: Call) => unknown) => {
  const calls: Array<Call> = []
  const client = {
    send: async (command: { constructor: { name: string }; input: unknown }) => {
      const call = { name: command.constructor.name, input: command.input }
      calls.push(call)
      const answer = await reply(call)
      if (answer instanceof Error) throw answer
      return { $metadata: {}, ...(answer as object) }
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
      maxConcurrency: 4
    })
  )))
