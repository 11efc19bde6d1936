import { Schema } from "effect"
import { SchemaJITCompiler } from "effect/schema"

/**
 * Schema.decodeUnknownResult, its check compiled into one function (Effect's SchemaJITCompiler) rather than
 * interpreted node by node through an Effect run per call: the SQS event and every record's body are decoded on
 * every invocation. A valid input takes the compiled check alone; an invalid one falls back to the interpreter,
 * so the issues and their messages are Effect's usual ones. Where code cannot be compiled (new Function
 * blocked), Effect keeps the interpreter.
 */
export const compiledDecoder = <S extends Schema.ConstraintDecoder<unknown>>(schema: S) => {
  SchemaJITCompiler.enable(schema.ast)
  return Schema.decodeUnknownResult(schema)
}
