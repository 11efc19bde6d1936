import type { BatchGetCommandInput, BatchWriteCommandInput, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb"
import { Entity } from "dynamodb-toolbox/entity"
import { BatchGetRequest } from "dynamodb-toolbox/entity/actions/batchGet"
import { BatchPutRequest } from "dynamodb-toolbox/entity/actions/batchPut"
import { EntityFormatter } from "dynamodb-toolbox/entity/actions/format"
import { item } from "dynamodb-toolbox/schema/item"
import { number } from "dynamodb-toolbox/schema/number"
import { string } from "dynamodb-toolbox/schema/string"
import { Table } from "dynamodb-toolbox/table"
import { BatchGetCommand } from "dynamodb-toolbox/table/actions/batchGet"
import { BatchWriteCommand } from "dynamodb-toolbox/table/actions/batchWrite"
import type { Product } from "../domain/product.ts"
import { entityFastPath } from "./entity-fast-path.ts"

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
  // toolbox's formatter built once; the fast path (entity-fast-path.ts) read from the schema once.
  return { table, entity, formatter: entity.build(EntityFormatter), fast: entityFastPath(entity) }
}

export type ProductTable = ReturnType<typeof makeProductTable>

// DynamoDB's per-request limits.
export const BATCH_WRITE_LIMIT = 25
export const BATCH_GET_LIMIT = 100

/** One BatchWriteItem request putting `products` (at most BATCH_WRITE_LIMIT), as toolbox builds it. */
export const batchPut = ({ table, entity }: ProductTable, products: ReadonlyArray<Product>) =>
  table.build(BatchWriteCommand).requests(...products.map((p) => entity.build(BatchPutRequest).item(p)))

/** One strongly consistent BatchGetItem request for `pks` (at most BATCH_GET_LIMIT), as toolbox builds it. */
export const batchGetConsistent = ({ table, entity }: ProductTable, pks: ReadonlyArray<string>) =>
  table.build(BatchGetCommand).requests(...pks.map((pk) => entity.build(BatchGetRequest).key({ pk }))).options({
    consistent: true
  })

type WriteRequests = NonNullable<BatchWriteCommandInput["RequestItems"]>
type GetRequests = NonNullable<BatchGetCommandInput["RequestItems"]>

/** Each input through `take`, or undefined as soon as one is not taken. */
const takeAll = <I, O>(inputs: ReadonlyArray<I>, take: (input: I) => O | undefined): Array<O> | undefined => {
  const out: Array<O> = []
  for (const input of inputs) {
    const taken = take(input)
    if (taken === undefined) return undefined
    out.push(taken)
  }
  return out
}

/**
 * `batchPut(model, products).params()`, each item from the fast path when it takes every product as it is;
 * otherwise the whole request is toolbox's, so that an item toolbox rejects fails as it always has.
 */
export const putRequests = (model: ProductTable, products: ReadonlyArray<Product>): WriteRequests => {
  const items = model.fast && takeAll(products, model.fast.putItem)
  if (items === undefined) return batchPut(model, products).params() as WriteRequests
  return { [model.table.getName()]: items.map((Item) => ({ PutRequest: { Item } })) }
}

/** `batchGetConsistent(model, pks).params()`, the keys from the fast path when it takes every one. */
export const consistentGetRequests = (model: ProductTable, pks: ReadonlyArray<string>): GetRequests => {
  const fast = model.fast
  const Keys = fast && takeAll(pks, (pk) => fast.key({ pk }))
  if (Keys === undefined) return batchGetConsistent(model, pks).params() as GetRequests
  return { [model.table.getName()]: { Keys, ConsistentRead: true } }
}

/** `EntityFormatter.format(item)` for a stored item, through the fast path when it takes the item. */
export const formatProduct = (model: ProductTable, item: Record<string, unknown>) =>
  (model.fast?.format(item) as ReturnType<ProductTable["formatter"]["format"]> | undefined) ??
    model.formatter.format(item)
