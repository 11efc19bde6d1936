/**
 * Evaluates the expressions the real terraform engine cannot reach offline: those inside resources and
 * preconditions, which need the provider. Variables and locals are not interpreted here: their values come
 * from the engine (engine.ts `scope`). Resource attributes evaluate to a symbolic "<address>".
 *
 * It understands a deliberately small language (literals, tuples, templates, var./local./path. and resource
 * references, == != < <= > >= && || ! and the conditional, coalesce, length and tostring) and throws
 * UnsupportedConstruct on anything else, even inside can(): a construct it does not know never passes by.
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

const OPERATORS = ["&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "?", ":", "(", ")", "[", "]", ",", "."]

const tokenize = (src: string): Array<Token> => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < src.length) {
    const c = src[i]!
    if (/\s/.test(c)) { i++; continue }
    const rest = src.slice(i)
    const num = /^[0-9]+(\.[0-9]+)?/.exec(rest)
    if (num) { tokens.push({ kind: "num", text: num[0] }); i += num[0].length; continue }
    if (c === '"') {
      let j = i + 1, s = "", depth = 0 // a quote inside a nested ${...} does not end the string
      while (j < src.length && (src[j] !== '"' || depth > 0)) {
        if (src[j] === "%" && src[j + 1] === "{") throw new UnsupportedConstruct("a template directive %{...}", src)
        if (src[j] === "$" && src[j + 1] === "{") { depth++; s += "${"; j += 2; continue }
        if (src[j] === "}" && depth > 0) depth--
        if (src[j] === "\\") { s += src[j + 1]; j += 2 } else s += src[j++]
      }
      if (j >= src.length) throw new UnsupportedConstruct("an unterminated string", src)
      tokens.push({ kind: "str", text: s }); i = j + 1; continue
    }
    const id = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest)
    if (id) { tokens.push({ kind: "id", text: id[0] }); i += id[0].length; continue }
    if (rest.startsWith("[*]") || rest.startsWith(".*")) throw new UnsupportedConstruct("a splat", src)
    const op = OPERATORS.find((o) => rest.startsWith(o))
    // Anything else ({ } * / + % => ... and the like) is a construct this evaluator does not know.
    if (!op || rest.startsWith("...")) throw new UnsupportedConstruct(`"${rest.slice(0, 3)}"`, src)
    tokens.push({ kind: "op", text: op }); i += op.length
  }
  return tokens
}

const PRECEDENCE: Record<string, number> = { "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4 }

const FUNCTIONS: Record<string, (...args: Array<Value>) => Value> = {
  coalesce: (...vs) => {
    const v = vs.find((x) => x !== null && x !== "")
    if (v === undefined) throw new Error("coalesce: no non-null, non-empty argument")
    return v
  },
  length: (v) => {
    if (Array.isArray(v)) return v.length
    if (typeof v === "string") return [...v].length
    if (v !== null && typeof v === "object") return Object.keys(v).length
    throw new Error(`length of ${JSON.stringify(v)}`)
  },
  tostring: (v) => (typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : (() => {
    throw new Error(`tostring of ${JSON.stringify(v)}`)
  })())
}

// Keywords HCL gives meaning to inside expressions: a reference never starts with one.
const KEYWORDS = new Set(["for", "in", "if", "endif", "else", "endfor", "each", "count", "self", "terraform"])

export const evaluate = (expression: string, scope: Scope): Value => {
  const tokens = tokenize(expression)
  let pos = 0
  const peek = () => tokens[pos]
  const take = (text?: string) => {
    const t = tokens[pos++]
    if (!t || (text !== undefined && t.text !== text)) throw new UnsupportedConstruct(`a missing "${text ?? "token"}"`, expression)
    return t
  }

  const reference = (root: string): Value => {
    const path = [root]
    while (peek()?.text === "." || peek()?.text === "[") {
      if (take().text === ".") path.push(take().text)
      else { path.push(String(expr(0))); take("]") }
    }
    if (root === "path") {
      if (path.length !== 2 || path[1] !== "module") throw new UnsupportedConstruct(path.join("."), expression)
      return "."
    }
    if (root === "var" || root === "local") {
      let value: unknown = root === "var" ? scope.vars : scope.locals
      for (const key of path.slice(1)) {
        if (value === null || typeof value !== "object" || !(key in value)) throw new Error(`unknown reference ${path.join(".")}`)
        value = (value as Record<string, Value>)[key]
      }
      return value as Value
    }
    // A resource or data source attribute: known only after apply.
    if (/^aws_[a-z0-9_]+$/.test(root) && path.length >= 3) return `<${path.join(".")}>`
    if (root === "data" && path.length >= 4) return `<${path.join(".")}>`
    throw new UnsupportedConstruct(`the reference ${path.join(".")}`, expression)
  }

  const primary = (): Value => {
    const t = take()
    if (t.kind === "num") return Number(t.text)
    if (t.kind === "str") return evaluateValue(t.text, scope)
    if (t.text === "(") { const v = expr(0); take(")"); return v }
    if (t.text === "[") {
      if (peek()?.text === "for") throw new UnsupportedConstruct("a for expression", expression)
      const items: Array<Value> = []
      while (peek()?.text !== "]") { items.push(expr(0)); if (peek()?.text === ",") take(",") }
      take("]")
      return items
    }
    if (t.text === "!") return !bool(primary(), expression)
    if (t.kind !== "id") throw new UnsupportedConstruct(`"${t.text}"`, expression)
    if (t.text === "true") return true
    if (t.text === "false") return false
    if (t.text === "null") return null
    if (KEYWORDS.has(t.text)) throw new UnsupportedConstruct(`the keyword ${t.text}`, expression)
    if (peek()?.text === "(") {
      const f = FUNCTIONS[t.text]
      if (!f) throw new UnsupportedConstruct(`the function ${t.text}()`, expression)
      take("(")
      const args: Array<Value> = []
      while (peek()?.text !== ")") { args.push(expr(0)); if (peek()?.text === ",") take(",") }
      take(")")
      return f(...args)
    }
    return reference(t.text)
  }

  const expr = (minPrecedence: number): Value => {
    let left = primary()
    for (;;) {
      const op = peek()?.text
      if (op === "?" && minPrecedence === 0) {
        take("?")
        const a = expr(0)
        take(":")
        const b = expr(0)
        left = bool(left, expression) ? a : b
        continue
      }
      const precedence = op === undefined ? undefined : PRECEDENCE[op]
      if (precedence === undefined || precedence < minPrecedence) break
      take()
      left = binary(op!, left, expr(precedence + 1), expression)
    }
    return left
  }

  const result = expr(0)
  if (pos !== tokens.length) throw new UnsupportedConstruct(`"${tokens[pos]!.text}" after a complete expression`, expression)
  return result
}

const bool = (v: Value, expression: string): boolean => {
  if (typeof v !== "boolean") throw new Error(`a condition is not a bool (${JSON.stringify(v)}) in: ${expression}`)
  return v
}

const number = (v: Value, expression: string): number => {
  if (typeof v !== "number") throw new Error(`a comparison of a non-number (${JSON.stringify(v)}) in: ${expression}`)
  return v
}

const binary = (op: string, a: Value, b: Value, expression: string): Value => {
  switch (op) {
    case "==": return JSON.stringify(a) === JSON.stringify(b)
    case "!=": return JSON.stringify(a) !== JSON.stringify(b)
    case "<": return number(a, expression) < number(b, expression)
    case "<=": return number(a, expression) <= number(b, expression)
    case ">": return number(a, expression) > number(b, expression)
    case ">=": return number(a, expression) >= number(b, expression)
    // Terraform evaluates both sides (no short circuit): so does this.
    case "&&": return bool(a, expression) && bool(b, expression)
    case "||": return bool(a, expression) || bool(b, expression)
  }
  throw new UnsupportedConstruct(`the operator ${op}`, expression)
}

/** The expression of a value that is exactly one "${...}", else undefined. */
export const wholeExpression = (value: unknown): string | undefined => {
  if (typeof value !== "string") return undefined
  const parts = templateParts(value)
  return parts.length === 1 && typeof parts[0] !== "string" ? parts[0]!.expr : undefined
}

/** The roots of the references an expression makes (var, local, aws_sqs_queue, each...), strings left out. */
export const referenceRoots = (expression: string): Set<string> =>
  new Set([...expression.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(/(?<![\w.])([a-z_][a-z0-9_]*)\s*\./g)].map((m) => m[1]!))

/** Evaluates a value from hcl2json: "${expr}" keeps the expression's type; other strings interpolate. */
export const evaluateValue = (value: unknown, scope: Scope): Value => {
  if (typeof value === "string") {
    const parts = templateParts(value)
    if (parts.length === 1 && typeof parts[0] !== "string") return evaluate(parts[0]!.expr, scope)
    return parts.map((p) => (typeof p === "string" ? p : String(evaluate(p.expr, scope)))).join("")
  }
  if (Array.isArray(value)) return value.map((v) => evaluateValue(v, scope))
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateValue(v, scope)]))
  return value as Value
}

/** Splits a template into literal text and top-level ${...} expressions (braces and quotes balanced). */
const templateParts = (s: string): Array<string | { expr: string }> => {
  if (s.includes("%{")) throw new UnsupportedConstruct("a template directive %{...}", s)
  const parts: Array<string | { expr: string }> = []
  let literal = ""
  let i = 0
  while (i < s.length) {
    if (s.startsWith("$${", i)) { literal += "${"; i += 3; continue }
    if (s[i] === "$" && s[i + 1] === "{") {
      let depth = 1, j = i + 2, quoted = false
      while (j < s.length && depth > 0) {
        const c = s[j]!
        if (c === "\\") { j += 2; continue }
        if (c === '"') quoted = !quoted
        else if (!quoted && c === "{") depth++
        else if (!quoted && c === "}") depth--
        j++
      }
      if (depth > 0) throw new UnsupportedConstruct("an unbalanced template", s)
      if (literal) parts.push(literal)
      literal = ""
      parts.push({ expr: s.slice(i + 2, j - 1) })
      i = j
    } else literal += s[i++]
  }
  if (literal || parts.length === 0) parts.push(literal)
  return parts
}
