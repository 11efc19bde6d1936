import { type Answer, bodyText } from "../../shared/http1/answer-parser.ts"

/** Reads a header by its lower-case name (fetch's Headers is one). */
export interface HeaderLookup {
  get(name: string): string | null
}

/** A Runtime API answer as the runtime reads it, from either transport: the body as text (events are JSON). */
export interface HttpAnswer {
  readonly status: number
  readonly headers: HeaderLookup
  readonly body: string
}

/**
 * The runtime's view of an answer read by the shared HTTP/1.1 client (shared/http1/): its headers looked
 * up by lower-case name, its body decoded as UTF-8 from the bytes as they came (no copy of them first).
 */
export const httpAnswer = (answer: Answer): HttpAnswer => {
  const headers = answer.headers
  return { status: answer.statusCode, headers: { get: (name) => headers[name] ?? null }, body: bodyText(answer) }
}
