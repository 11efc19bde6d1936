import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb"

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
