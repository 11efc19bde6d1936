import { Result, Schema } from "effect"
import { SchemaJITCompiler } from "effect/schema"

/**
 * Schema.decodeUnknownResult, its check compiled into one function (Effect's SchemaJITCompiler) rather than
 * interpreted node by node through an Effect run per call: the SQS event and every record's body are decoded on
 * every invocation. A valid input takes the compiled check alone; an invalid one falls back to the interpreter,
 * so the issues and their messages are Effect's usual ones. Where code cannot be compiled (new Function
 * blocked), Effect keeps the interpreter.
 *
 * Effect compiles on a decoder's first call, and each nested schema on the first call that reaches it (~0.6 ms
 * for the event's, more at 128 MB): `sample`, a valid input reaching every nested schema, is decoded once here,
 * so that the compiling is done when the module loads, in the environment's init, not in its first invocation.
 * A sample that does not decode is a mistake in the code: it throws.
 */
export const compiledDecoder = <S extends Schema.ConstraintDecoder<unknown>>(schema: S, sample: S["Encoded"]) => {
  SchemaJITCompiler.enable(schema.ast)
  const decode = Schema.decodeUnknownResult(schema)
  const compiled = decode(sample)
  if (Result.isFailure(compiled)) throw new Error(`compiledDecoder: the sample does not decode: ${compiled.failure}`)
  return decode
}
