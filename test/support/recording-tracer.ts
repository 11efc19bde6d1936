import { Layer, Tracer } from "effect"

/** A tracer that keeps every span made; `shape` reads them once ended: name, parent's name, kind, attributes, outcome. */
export const recordingTracer = () => {
  const made: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = Tracer.nativeTracer.span(options)
      made.push(span)
      return span
    }
  })
  const shape = () =>
    made.map((s) => ({
      name: s.name,
      parent: s.parent._tag === "Some" && s.parent.value._tag === "Span" ? s.parent.value.name : "-",
      kind: s.kind,
      attributes: Object.fromEntries(s.attributes),
      ended: s.status._tag,
      failed: s.status._tag === "Ended" && s.status.exit._tag === "Failure"
    }))
  return { made, shape, layer: Layer.succeed(Tracer.Tracer, tracer) }
}
