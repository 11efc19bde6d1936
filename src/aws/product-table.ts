import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb"
import { Entity } from "dynamodb-toolbox/entity"
import { item } from "dynamodb-toolbox/schema/item"
import { number } from "dynamodb-toolbox/schema/number"
import { string } from "dynamodb-toolbox/schema/string"
import { Table } from "dynamodb-toolbox/table"

/** The dynamodb-toolbox model of the product table: `pk` string hash key, one entity. */
export const makeProductTable = (tableName: string, documentClient: DynamoDBDocumentClient) => {
  const table = new Table({ name: tableName, partitionKey: { name: "pk", type: "string" }, documentClient })
  const entity = new Entity({
    name: "Product",
    table,
    // createdAt comes from the SQS SentTimestamp, not the clock, so redeliveries write identical items.
    timestamps: false,
    schema: item({
      pk: string().key(),
      name: string(),
      price: number(),
      createdAt: string().optional()
    })
  })
  return { table, entity }
}

export type ProductTable = ReturnType<typeof makeProductTable>
