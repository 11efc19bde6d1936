/**
 * A small evaluator for the Terraform expressions this configuration uses in variables, locals,
 * validations and preconditions, so tests can check what the configuration *says* for given
 * variable values without a terraform binary. Unknown references (resource attributes) evaluate
 * to a symbolic "<address>" string.
 */
export type Value = number | string | boolean | null | Array<Value> | { [key: string]: Value }

export interface Scope {
  readonly vars: Record<string, Value>
  readonly locals: Record<string, unknown>
}

type Token = { kind: "num" | "str" | "id" | "op"; text: string }

const tokenize = (src: string): Array<Token> => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < src.length) {
    const c = src[i]!
    if (/\s/.test(c)) { i++; continue }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!
      tokens.push({ kind: "num", text: m[0] }); i += m[0].length; continue
    }
    if (c === '"') {
      let j = i + 1, s = ""
      let depth = 0 // a quote inside a nested ${...} does not end the string
      while (j < src.length && (src[j] !== '"' || depth > 0)) {
        if (src[j] === "$" && src[j + 1] === "{") { depth++; s += "${"; j += 2; continue }
        if (src[j] === "}" && depth > 0) depth--
        if (src[j] === "\\") { s += src[j + 1]; j += 2 } else s += src[j++]
      }
      if (j >= src.length) throw new Error(`unterminated string in ${src}`)
      tokens.push({ kind: "str", text: s }); i = j + 1; continue
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))!
      tokens.push({ kind: "id", text: m[0] }); i += m[0].length; continue
    }
    const two = src.slice(i, i + 2)
    if (["&&", "||", "==", "!=", "<=", ">="].includes(two)) { tokens.push({ kind: "op", text: two }); i += 2; continue }
    tokens.push({ kind: "op", text: c }); i++
  }
  return tokens
}

const BINARY: Record<string, number> = { "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6 }

const FUNCTIONS: Record<string, (...args: Array<Value>) => Value> = {
  contains: (list, v) => (list as Array<Value>).some((x) => x === v),
  regex: (pattern, s) => {
    const m = new RegExp(pattern as string).exec(s as string)
    if (!m) throw new Error(`regex ${pattern} did not match ${s}`)
    return m[0]
  },
  floor: (n) => Math.floor(n as number),
  max: (...ns) => Math.max(...(ns as Array<number>)),
  min: (...ns) => Math.min(...(ns as Array<number>)),
  length: (v) => (Array.isArray(v) ? v.length : typeof v === "string" ? v.length : Object.keys(v as object).length),
  coalesce: (...vs) => vs.find((v) => v !== null && v !== "") ?? null,
  tostring: (v) => String(v),
  tonumber: (v) => Number(v)
}

export const evaluate = (expression: string, scope: Scope): Value => evaluateTokens(tokenize(expression), scope, expression)

/** Evaluates already-tokenized source (can() re-enters here with its argument's tokens). */
const evaluateTokens = (tokens: ReadonlyArray<Token>, scope: Scope, expression: string): Value => {
  let pos = 0
  const peek = () => tokens[pos]
  const take = (text?: string) => {
    const t = tokens[pos++]
    if (!t || (text !== undefined && t.text !== text)) throw new Error(`expected ${text ?? "a token"} in ${expression}`)
    return t
  }

  const reference = (root: string): Value => {
    const path = [root]
    while (peek()?.text === "." || peek()?.text === "[") {
      if (take().text === ".") path.push(take().text)
      else { path.push(String(expr(0))); take("]") }
    }
    let value: unknown
    if (root === "var") value = scope.vars[path[1]!]
    else if (root === "local") value = evaluateValue(scope.locals[path[1]!], scope)
    else if (root === "path") return "."
    else return `<${path.join(".")}>`
    for (const key of path.slice(2)) value = (value as Record<string, Value>)?.[key]
    if (value === undefined) throw new Error(`unknown reference ${path.join(".")}`)
    return value as Value
  }

  const primary = (): Value => {
    const t = take()
    if (t.kind === "num") return Number(t.text)
    if (t.kind === "str") return t.text.includes("${") ? evaluateValue(t.text, scope) : t.text
    if (t.text === "(") { const v = expr(0); take(")"); return v }
    if (t.text === "[") {
      const items: Array<Value> = []
      while (peek()?.text !== "]") { items.push(expr(0)); if (peek()?.text === ",") take() }
      take("]")
      return items
    }
    if (t.text === "!") return !truthy(primary())
    if (t.text === "-") return -(primary() as number)
    if (t.kind === "id") {
      if (t.text === "true") return true
      if (t.text === "false") return false
      if (t.text === "null") return null
      if (peek()?.text === "(") {
        take("(")
        if (t.text === "can") {
          const start = pos
          let depth = 1
          while (depth > 0) { const x = take().text; if (x === "(") depth++; if (x === ")") depth-- }
          const inner = tokens.slice(start, pos - 1)
          try { evaluateTokens(inner, scope, expression); return true } catch { return false }
        }
        const args: Array<Value> = []
        while (peek()?.text !== ")") { args.push(expr(0)); if (peek()?.text === ",") take() }
        take(")")
        const f = FUNCTIONS[t.text]
        if (!f) throw new Error(`unsupported function ${t.text}`)
        return f(...args)
      }
      return reference(t.text)
    }
    throw new Error(`unexpected ${t.text} in ${expression}`)
  }

  const expr = (minPrecedence: number): Value => {
    let left = primary()
    for (;;) {
      const op = peek()?.text
      if (op === "?" && minPrecedence === 0) {
        take("?"); const a = expr(0); take(":"); const b = expr(0)
        left = truthy(left) ? a : b
        continue
      }
      const precedence = op ? BINARY[op] : undefined
      if (precedence === undefined || precedence < minPrecedence) break
      take()
      if (op === "&&" && !truthy(left)) { expr(precedence + 1); left = false; continue }
      if (op === "||" && truthy(left)) { expr(precedence + 1); left = true; continue }
      left = binary(op!, left, expr(precedence + 1))
    }
    return left
  }

  const result = expr(0)
  if (pos !== tokens.length) throw new Error(`trailing tokens in ${expression}`)
  return result
}


const truthy = (v: Value) => v === true

const binary = (op: string, a: Value, b: Value): Value => {
  switch (op) {
    case "==": return JSON.stringify(a) === JSON.stringify(b)
    case "!=": return JSON.stringify(a) !== JSON.stringify(b)
    case "<": return (a as number) < (b as number)
    case "<=": return (a as number) <= (b as number)
    case ">": return (a as number) > (b as number)
    case ">=": return (a as number) >= (b as number)
    case "+": return (a as number) + (b as number)
    case "-": return (a as number) - (b as number)
    case "*": return (a as number) * (b as number)
    case "/": return (a as number) / (b as number)
    case "%": return (a as number) % (b as number)
    case "&&": return truthy(a) && truthy(b)
    case "||": return truthy(a) || truthy(b)
  }
  throw new Error(`unsupported operator ${op}`)
}

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
  const parts: Array<string | { expr: string }> = []
  let literal = ""
  let i = 0
  while (i < s.length) {
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
      if (depth > 0) throw new Error(`unbalanced template ${s}`)
      if (literal) parts.push(literal)
      literal = ""
      parts.push({ expr: s.slice(i + 2, j - 1) })
      i = j
    } else literal += s[i++]
  }
  if (literal || parts.length === 0) parts.push(literal)
  return parts
}
