import { Effect, Schema } from "effect"

/** The process environment, or a record standing in for it (tests). */
export type Environment = Readonly<Record<string, string | undefined>>

/**
 * A decoder of the variables a struct of settings names (its keys are the variables' names): an
 * empty variable counts as unset, as with Effect's `Config` (Terraform and the console may set ""),
 * and a missing or invalid one fails with Schema's error, which names the variable.
 *
 * Why not `Config`: reading through a `ConfigProvider` (a trie of the whole environment, a cursor
 * and a compiled codec per setting) cost a cold start about 1.2 ms more CPU than one Schema decode
 * of the few variables read (README, "What a cold start loads").
 */
export const environmentDecoder = <Fields extends Schema.Struct.Fields>(settings: Schema.Struct<Fields>) => {
  const decode = Schema.decodeUnknownEffect(settings)
  const names = Object.keys(settings.fields)
  return (env: Environment) =>
    Effect.suspend(() =>
      decode(Object.fromEntries(names.flatMap((name) => {
        const value = env[name]
        return value === undefined || value === "" ? [] : [[name, value]]
      })))
    )
}
