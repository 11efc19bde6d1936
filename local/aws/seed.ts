import { BatchWriteItemCommand } from "@aws-sdk/client-dynamodb"
import { marshall } from "@aws-sdk/util-dynamodb"
import type { Product } from "../../src/domain/product.ts"
import { localDynamoDbClient } from "./local-clients.ts"

/** Writes products straight into the table (no function, no faults), as the function stores them. */
export const seedProducts = async (
  endpoint: string,
  tableName: string,
  products: ReadonlyArray<Product>
): Promise<void> => {
  const client = localDynamoDbClient(endpoint)
  try {
    for (let i = 0; i < products.length; i += 25) {
      await client.send(
        new BatchWriteItemCommand({
          // `_et` is dynamodb-toolbox's entity marker, present on every item the function writes.
          RequestItems: {
            [tableName]: products.slice(i, i + 25).map((p) => ({
              PutRequest: { Item: marshall({ ...p, _et: "Product" }) }
            }))
          }
        })
      )
    }
  } finally {
    client.destroy()
  }
}
