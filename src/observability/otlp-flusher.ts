import { Effect, Layer, Scope } from "effect"
import * as OtlpExporter from "effect/observability/OtlpExporter"

/**
 * Effect's exporter registry (`OtlpExporter.Flusher`) for the one exporter the function has (its
 * traces): `flush` runs that exporter's export itself. Effect's runs every registered export with
 * `Effect.forEach(..., { concurrency: "unbounded" })`, a fiber of its own each, on every flush.
 */
export const singleExporterFlusher: Layer.Layer<OtlpExporter.Flusher> = Layer.sync(OtlpExporter.Flusher, () => {
  const exports: Array<Effect.Effect<void>> = []
  return {
    flush: Effect.suspend(() =>
      exports.length === 1
        ? exports[0]!
        : Effect.forEach(exports, (run) => run, { concurrency: "unbounded", discard: true })
    ),
    register: (run) =>
      Effect.flatMap(Scope.Scope, (scope) => {
        exports.push(run)
        return Scope.addFinalizer(
          scope,
          Effect.sync(() => {
            const at = exports.indexOf(run)
            if (at >= 0) exports.splice(at, 1)
          })
        )
      })
  }
})
