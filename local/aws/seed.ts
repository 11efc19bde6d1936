import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb"
import { execute as executeBatchWrite } from "dynamodb-toolbox/table/actions/batchWrite"
import { chunksOf } from "../../src/aws/chunk.ts"
import { BATCH_WRITE_LIMIT, batchPut, makeProductTable } from "../../src/aws/product-table.ts"
import type { Product } from "../../src/domain/product.ts"
import { localDynamoDbClient } from "./local-clients.ts"

/**
 * Writes products straight into the table (no function, no faults), through the function's own table
 * model: the items are the very ones the function writes, dynamodb-toolbox's markers included.
 */
export const seedProducts = async (
  endpoint: string,
  tableName: string,
  products: ReadonlyArray<Product>
): Promise<void> => {
  const documentClient = DynamoDBDocumentClient.from(localDynamoDbClient(endpoint))
  const model = makeProductTable(tableName, documentClient)
  try {
    for (const chunk of chunksOf(products, BATCH_WRITE_LIMIT)) {
      await executeBatchWrite({ documentClient }, batchPut(model, chunk))
    }
  } finally {
    documentClient.destroy()
  }
}
