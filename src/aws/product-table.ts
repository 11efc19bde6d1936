import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb"
import { Entity } from "dynamodb-toolbox/entity"
import { BatchGetRequest } from "dynamodb-toolbox/entity/actions/batchGet"
import { BatchPutRequest } from "dynamodb-toolbox/entity/actions/batchPut"
import { item } from "dynamodb-toolbox/schema/item"
import { number } from "dynamodb-toolbox/schema/number"
import { string } from "dynamodb-toolbox/schema/string"
import { Table } from "dynamodb-toolbox/table"
import { BatchGetCommand } from "dynamodb-toolbox/table/actions/batchGet"
import { BatchWriteCommand } from "dynamodb-toolbox/table/actions/batchWrite"
import type { Product } from "../domain/product.ts"

/** The table's partition key, a string: Terraform (terraform/dynamodb.tf) and the local stack create the table with it. */
export const PARTITION_KEY = "pk"

/** The dynamodb-toolbox model of the product table: PARTITION_KEY string hash key, one entity. */
export const makeProductTable = (tableName: string, documentClient: DynamoDBDocumentClient) => {
  const table = new Table({ name: tableName, partitionKey: { name: PARTITION_KEY, type: "string" }, documentClient })
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

// DynamoDB's per-request limits.
export const BATCH_WRITE_LIMIT = 25
export const BATCH_GET_LIMIT = 100

/** One BatchWriteItem request putting `products` (at most BATCH_WRITE_LIMIT). */
export const batchPut = ({ table, entity }: ProductTable, products: ReadonlyArray<Product>) =>
  table.build(BatchWriteCommand).requests(...products.map((p) => entity.build(BatchPutRequest).item(p)))

/** One strongly consistent BatchGetItem request for `pks` (at most BATCH_GET_LIMIT). */
export const batchGetConsistent = ({ table, entity }: ProductTable, pks: ReadonlyArray<string>) =>
  table.build(BatchGetCommand).requests(...pks.map((pk) => entity.build(BatchGetRequest).key({ pk }))).options({
    consistent: true
  })
