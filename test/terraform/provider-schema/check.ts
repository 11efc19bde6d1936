/**
 * Checks .tf files against the provider schema (aws.json): every resource, data source and provider
 * block, every argument and nested block, at any depth, including dynamic blocks. Reports, per place:
 * unknown arguments (with the closest known name), missing required arguments and blocks, blocks written as
 * attributes and the reverse, too many or too few blocks, and literal values of the wrong type.
 */
import { parse } from "@cdktf/hcl2json"
import type { BlockSchema, NestedBlock, Schema } from "./generate.ts"
import { type Kind, structureOf } from "./structure.ts"

type Body = Record<string, unknown>

// Terraform's own arguments, valid on every resource and data source.
const META_ARGUMENTS = new Set(["count", "for_each", "depends_on", "provider"])
const META_BLOCKS: Record<string, ReadonlyArray<string>> = {
  lifecycle: [
    "create_before_destroy",
    "prevent_destroy",
    "ignore_changes",
    "replace_triggered_by",
    "precondition",
    "postcondition"
  ]
}

const distance = (a: string, b: string): number => {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
  }
  return d[a.length]![b.length]!
}
const closest = (name: string, known: Iterable<string>) => {
  const best = [...known].map((k) => [k, distance(name, k)] as const).sort((x, y) => x[1] - y[1])[0]
  return best && best[1] <= Math.max(3, Math.floor(name.length / 3)) ? ` (did you mean ${best[0]}?)` : ""
}

/** "${expr}" alone: its type is only known after evaluation. */
const isWholeExpression = (s: string) => /^\$\{[\s\S]*\}$/.test(s) && s.indexOf("${", 2) === -1
const isTemplate = (s: string) => s.includes("${")

/** Declared variable types, by name, as terraform writes them ("number", "list(string)"...). */
export type VariableTypes = Readonly<Record<string, string>>

/** Whether a value of type `given` converts to `wanted` in every case (Terraform's safe conversions). */
const fits = (wanted: string, given: string): boolean => {
  if (given === "any" || wanted === "object" || wanted.endsWith("(object)")) return true
  if (wanted === "string") return ["string", "number", "bool"].includes(given)
  if (wanted === "number" || wanted === "bool") return given === wanted
  const w = /^(list|set|map)\((.+)\)$/.exec(wanted)
  const g = /^(list|set|map)\((.+)\)$/.exec(given)
  if (!w) return false
  if (!g) return w[1] === "map" && given.startsWith("object(")
  return (w[1] === "map") === (g[1] === "map") && fits(w[2]!, g[2]!)
}

/**
 * Why a value cannot be converted to `type`, or undefined when it can or cannot be known: literals are
 * checked as Terraform converts them, a lone var.NAME by its declared type, other expressions not at all.
 */
const typeProblem = (type: string, value: unknown, variables: VariableTypes = {}): string | undefined => {
  if (value === null) return undefined
  if (typeof value === "string" && isWholeExpression(value)) {
    const variable = /^\$\{var\.([a-z0-9_]+)\}$/.exec(value)?.[1]
    const given = variable === undefined ? undefined : variables[variable]
    return given === undefined || fits(type, given) ? undefined : `${type} expected, var.${variable} is ${given}`
  }
  const shown = JSON.stringify(value)
  const collection = /^(list|set|map)\((.+)\)$/.exec(type)
  if (type === "object" || type.endsWith("(object)")) return undefined
  if (collection) {
    const [, kind, element] = collection
    if (kind === "map") {
      if (typeof value !== "object" || Array.isArray(value)) return `${type} expected, got ${shown}`
      for (const [k, v] of Object.entries(value as Body)) {
        const p = typeProblem(element!, v, variables)
        if (p) return `${k}: ${p}`
      }
      return undefined
    }
    if (!Array.isArray(value)) return `${type} expected, got ${shown}`
    for (const v of value) {
      const p = typeProblem(element!, v, variables)
      if (p) return p
    }
    return undefined
  }
  // Primitives convert as Terraform converts them: number and bool to string, numeric strings to number...
  if (typeof value === "object") return `${type} expected, got ${shown}`
  if (type === "string") return undefined
  if (typeof value === "string") {
    if (isTemplate(value)) return `${type} expected, got the string template ${shown}`
    if (type === "number" && !Number.isNaN(Number(value)) && value.trim() !== "") return undefined
    if (type === "bool" && (value === "true" || value === "false")) return undefined
    return `${type} expected, got ${shown}`
  }
  if (type === "number" && typeof value === "number") return undefined
  if (type === "bool" && typeof value === "boolean") return undefined
  return `${type} expected, got ${shown}`
}

export interface Problem {
  readonly file: string
  readonly at: string
  readonly message: string
}

/** Checks one parsed block body against its schema; `path` locates it in the structure map. */
const checkBody = (
  body: Body,
  schema: BlockSchema,
  path: ReadonlyArray<string>,
  kinds: Map<string, Kind>,
  report: (at: string, message: string) => void,
  topLevel: boolean,
  variables: VariableTypes
) => {
  const at = path.join(".")
  const kindOf = (name: string) => kinds.get([...path, name].join("/"))
  const known = [...Object.keys(schema.arguments), ...Object.keys(schema.blocks)]
  const counts = new Map<string, number>()

  for (const [name, value] of Object.entries(body)) {
    if (name === "dynamic") {
      for (const [label, items] of Object.entries(value as Record<string, Array<Body>>)) {
        const nested = schema.blocks[label]
        if (!nested) {
          report(
            `${at}.dynamic.${label}`,
            `dynamic block of an unknown block type ${label}${closest(label, Object.keys(schema.blocks))}`
          )
          continue
        }
        for (const item of items) {
          counts.set(label, (counts.get(label) ?? 0) + 2) // a dynamic block may expand to any number
          for (const key of Object.keys(item)) {
            if (!["for_each", "iterator", "labels", "content"].includes(key)) {
              report(`${at}.dynamic.${label}`, `unknown dynamic block argument ${key}`)
            }
          }
          for (const content of (item.content ?? []) as Array<Body>) {
            checkBody(content, nested, [...path, "dynamic", label, "content"], kinds, report, false, variables)
          }
        }
      }
      continue
    }
    if (topLevel && META_ARGUMENTS.has(name)) continue
    if (topLevel && name in META_BLOCKS) {
      for (const item of value as Array<Body>) {
        for (const key of Object.keys(item)) {
          if (!META_BLOCKS[name]!.includes(key)) report(`${at}.${name}`, `unknown ${name} argument ${key}`)
        }
      }
      continue
    }
    const argument = schema.arguments[name]
    const block = schema.blocks[name]
    const kind = kindOf(name)
    if (argument) {
      if (
        kind === "block" ||
        kind === undefined && Array.isArray(value) && value.every((v) =>
            v && typeof v === "object" && !Array.isArray(v)
          ) &&
          !argument.type.includes("object")
      ) {
        report(`${at}.${name}`, `${name} is an argument (${argument.type}): write ${name} = ..., not a block`)
        continue
      }
      const problem = typeProblem(argument.type, value, variables)
      if (problem) report(`${at}.${name}`, `wrong type: ${problem}`)
    } else if (block) {
      if (kind === "attribute" || !Array.isArray(value)) {
        report(`${at}.${name}`, `${name} is a block: write ${name} { ... }, not ${name} = ...`)
        continue
      }
      counts.set(name, (counts.get(name) ?? 0) + value.length)
      for (const item of value as Array<Body>) checkBody(item, block, [...path, name], kinds, report, false, variables)
    } else {
      report(`${at}.${name}`, `unknown argument ${name}${closest(name, known)}`)
    }
  }

  for (const [name, argument] of Object.entries(schema.arguments)) {
    if (argument.required && !(name in body)) report(at, `missing required argument ${name}`)
  }
  for (const [name, block] of Object.entries(schema.blocks) as Array<[string, NestedBlock]>) {
    const n = counts.get(name) ?? 0
    if (n < block.min_items) report(at, `missing required block ${name}`)
    if (block.max_items !== undefined && n > block.max_items && !isDynamicOnly(body, name)) {
      report(`${at}.${name}`, `at most ${block.max_items} ${name} block(s), found ${n}`)
    }
  }
}

const isDynamicOnly = (body: Body, name: string) => !(name in body) && name in ((body.dynamic ?? {}) as Body)

/** Checks the text of one .tf file; returns every problem found. */
export const checkFile = async (
  file: string,
  text: string,
  schema: Schema,
  variables: VariableTypes = {}
): Promise<Array<Problem>> => {
  const problems: Array<Problem> = []
  const report = (at: string, message: string) => problems.push({ file, at, message })
  const kinds = structureOf(text)
  const json = (await parse(file, text)) as Record<string, any>
  const families = [
    ["resource", json.resource, schema.resources],
    ["data", json.data, schema.data_sources]
  ] as const
  for (const [family, declared, schemas] of families) {
    for (const [type, byName] of Object.entries((declared ?? {}) as Record<string, Record<string, Array<Body>>>)) {
      const s = schemas[type]
      if (!s) {
        report(
          `${family}.${type}`,
          `${family === "data" ? "data source" : "resource"} type ${type} is not in the provider schema${
            closest(type, Object.keys(schemas))
          }`
        )
        continue
      }
      for (const [name, bodies] of Object.entries(byName)) {
        for (const body of bodies) checkBody(body, s, [family, type, name], kinds, report, true, variables)
      }
    }
  }
  for (const [name, bodies] of Object.entries((json.provider ?? {}) as Record<string, Array<Body>>)) {
    if (name !== "aws") {
      report(`provider.${name}`, "only the aws provider is in the schema")
      continue
    }
    for (const body of bodies) {
      const { alias: _alias, ...rest } = body
      checkBody(rest, schema.provider_config, ["provider", name], kinds, report, false, variables)
    }
  }
  return problems
}

/**
 * Every `aws_x.name.attribute` and `data.aws_x.name.attribute` read in the text must name an argument, block
 * or computed attribute of that type (what `terraform validate` would say of a misspelt `.urll`).
 */
export const referenceProblems = (file: string, text: string, schema: Schema): Array<Problem> => {
  const problems: Array<Problem> = []
  const code = text.split("\n").map((l) => (/^\s*(#|\/\/)/.test(l) ? "" : l)).join("\n")
  const pattern = /(?<![\w.])(data\.)?(aws_[a-z0-9_]+)\.([a-z0-9_]+)(?:\[[^\]]*\])?\.([a-z0-9_]+)/g
  for (const [, data, type, name, attribute] of code.matchAll(pattern)) {
    const s = (data ? schema.data_sources : schema.resources)[type!]
    const at = `${data ?? ""}${type}.${name}.${attribute}`
    if (!s) {
      problems.push({ file, at, message: `${type} is not in the provider schema` })
      continue
    }
    const readable = [...Object.keys(s.arguments), ...Object.keys(s.blocks), ...(s.computed ?? [])]
    if (!readable.includes(attribute!)) {
      problems.push({ file, at, message: `${type} has no attribute ${attribute}${closest(attribute!, readable)}` })
    }
  }
  return problems
}
