/**
 * Evaluates what the real terraform engine cannot reach offline: expressions that refer to other resources
 * (known only after apply, so they evaluate to a symbolic "<address>"). Everything on variables and locals
 * alone goes to `terraform console` instead (engine.ts `evaluateIn`), and variables and locals come from it.
 *
 * It understands only what such expressions in terraform/ use: literals, tuples, templates, references
 * (var., local., path.module, resources, data sources) and coalesce(). Anything else (operators,
 * conditionals, for expressions, splats, other functions...) throws UnsupportedConstruct: a construct it does
 * not know never passes by.
 */
export type Value = number | string | boolean | null | Array<Value> | { [key: string]: Value }

export interface Scope {
  readonly vars: Record<string, Value>
  readonly locals: Record<string, Value>
}

export class UnsupportedConstruct extends Error {
  constructor(what: string, expression: string) {
    super(`hcl-eval does not understand ${what} in: ${expression}`)
  }
}

type Token = { kind: "num" | "str" | "id" | "op"; text: string }

// Space, a number, an identifier, or one of the few punctuation marks it knows.
const TOKEN = /^(?:(\s+)|([0-9]+(?:\.[0-9]+)?)(?![\w.])|([A-Za-z_][A-Za-z0-9_-]*)|([()[\],.]))/

const tokenize = (src: string): Array<Token> => {
  const tokens: Array<Token> = []
  for (let i = 0; i < src.length;) {
    if (src[i] === "\"") {
      const end = closingQuote(src, i)
      tokens.push({ kind: "str", text: src.slice(i + 1, end).replace(/\\(.)/g, "$1") })
      i = end + 1
      continue
    }
    const rest = src.slice(i)
    if (/^(\[\*\]|\.\*)/.test(rest)) throw new UnsupportedConstruct("a splat", src)
    const m = TOKEN.exec(rest)
    if (!m) throw new UnsupportedConstruct(`"${rest.slice(0, 3)}"`, src)
    if (!m[1]) tokens.push({ kind: m[2] ? "num" : m[3] ? "id" : "op", text: m[0] })
    i += m[0].length
  }
  return tokens
}

/** Index of the quote closing the string that opens at `start` (interpolations may hold strings). */
const closingQuote = (src: string, start: number): number => {
  let depth = 0
  for (let j = start + 1; j < src.length; j++) {
    if (src[j] === "\\") j++
    else if (src[j] === "$" && src[j + 1] === "{") {
      depth++
      j++
    } else if (src[j] === "}" && depth > 0) depth--
    else if (src[j] === "\"" && depth > 0) j = closingQuote(src, j)
    else if (src[j] === "\"") return j
  }
  throw new UnsupportedConstruct("an unterminated string", src)
}

const FUNCTIONS: Record<string, (...args: Array<Value>) => Value> = {
  coalesce: (...vs) => {
    const v = vs.find((x) => x !== null && x !== "")
    if (v === undefined) throw new Error("coalesce: no non-null, non-empty argument")
    return v
  }
}

export const evaluate = (expression: string, scope: Scope): Value => {
  const tokens = tokenize(expression)
  let pos = 0
  const peek = () => tokens[pos]?.text
  const take = (text?: string) => {
    const t = tokens[pos++]
    if (!t || (text !== undefined && t.text !== text)) {
      throw new UnsupportedConstruct(`a missing "${text ?? "token"}"`, expression)
    }
    return t
  }
  const list = (close: string): Array<Value> => {
    const items: Array<Value> = []
    while (peek() !== close) {
      items.push(value())
      if (peek() !== close) take(",")
    }
    take(close)
    return items
  }

  const reference = (root: string): Value => {
    const path = [root]
    while (peek() === ".") {
      take(".")
      path.push(take().text)
    }
    if (peek() === "[") throw new UnsupportedConstruct("an index", expression)
    if (root === "path" && path.join(".") === "path.module") return "."
    if (root === "var" || root === "local") {
      let v: unknown = root === "var" ? scope.vars : scope.locals
      for (const key of path.slice(1)) {
        if (v === null || typeof v !== "object" || !(key in v)) throw new Error(`unknown reference ${path.join(".")}`)
        v = (v as Record<string, Value>)[key]
      }
      return v as Value
    }
    // A resource or data source attribute: known only after apply.
    if ((/^aws_[a-z0-9_]+$/.test(root) && path.length >= 3) || (root === "data" && path.length >= 4)) {
      return `<${path.join(".")}>`
    }
    throw new UnsupportedConstruct(`the reference ${path.join(".")}`, expression)
  }

  const value = (): Value => {
    const t = take()
    if (t.kind === "num") return Number(t.text)
    if (t.kind === "str") return evaluateValue(t.text, scope)
    if (t.text === "[") {
      if (peek() === "for") throw new UnsupportedConstruct("a for expression", expression)
      return list("]")
    }
    if (t.kind !== "id") throw new UnsupportedConstruct(`"${t.text}"`, expression)
    if (t.text === "true" || t.text === "false") return t.text === "true"
    if (t.text === "null") return null
    if (peek() === "(") {
      const f = FUNCTIONS[t.text]
      if (!f) throw new UnsupportedConstruct(`the function ${t.text}()`, expression)
      take("(")
      return f(...list(")"))
    }
    return reference(t.text)
  }

  const result = value()
  if (pos !== tokens.length) {
    throw new UnsupportedConstruct(`"${tokens[pos]!.text}" after a complete expression`, expression)
  }
  return result
}

/** The expression of a value that is exactly one "${...}", else undefined. */
export const wholeExpression = (value: unknown): string | undefined => {
  if (typeof value !== "string") return undefined
  const parts = templateParts(value)
  return parts.length === 1 && typeof parts[0] !== "string" ? parts[0]!.expr : undefined
}

/** The roots of the references an expression makes (var, local, aws_sqs_queue, each...), strings left out. */
export const referenceRoots = (expression: string): Set<string> =>
  new Set(
    [...expression.replace(/"(?:[^"\\]|\\.)*"/g, "\"\"").matchAll(/(?<![\w.])([a-z_][a-z0-9_]*)\s*\./g)].map((m) =>
      m[1]!
    )
  )

/** Evaluates a value from hcl2json: "${expr}" keeps the expression's type; other strings interpolate. */
export const evaluateValue = (value: unknown, scope: Scope): Value => {
  if (typeof value === "string") {
    const parts = templateParts(value)
    if (parts.length === 1 && typeof parts[0] !== "string") return evaluate(parts[0]!.expr, scope)
    return parts.map((p) => (typeof p === "string" ? p : String(evaluate(p.expr, scope)))).join("")
  }
  if (Array.isArray(value)) return value.map((v) => evaluateValue(v, scope))
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateValue(v, scope)]))
  }
  return value as Value
}

/** Splits a template into literal text and top-level ${...} expressions (braces and quotes balanced). */
const templateParts = (s: string): Array<string | { expr: string }> => {
  if (s.includes("%{")) throw new UnsupportedConstruct("a template directive %{...}", s)
  const parts: Array<string | { expr: string }> = []
  let literal = ""
  let i = 0
  while (i < s.length) {
    if (s.startsWith("$${", i)) {
      literal += "${"
      i += 3
      continue
    }
    if (!s.startsWith("${", i)) {
      literal += s[i++]
      continue
    }
    let depth = 1, j = i + 2
    while (j < s.length && depth > 0) {
      if (s[j] === "\"") j = closingQuote(s, j)
      else if (s[j] === "{") depth++
      else if (s[j] === "}") depth--
      j++
    }
    if (depth > 0) throw new UnsupportedConstruct("an unbalanced template", s)
    if (literal) parts.push(literal)
    literal = ""
    parts.push({ expr: s.slice(i + 2, j - 1) })
    i = j
  }
  if (literal || parts.length === 0) parts.push(literal)
  return parts
}
