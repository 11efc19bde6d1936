import { Schema } from "effect"

/** A stored product. `pk` is the SQS messageId of the add message, so redeliveries write the same item. */
export const Product = Schema.Struct({
  pk: Schema.String,
  name: Schema.String,
  price: Schema.Finite,
  createdAt: Schema.optional(Schema.String)
})
export type Product = typeof Product.Type
