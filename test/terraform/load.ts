import { parse } from "@cdktf/hcl2json"
import { readdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"

export const TERRAFORM_DIR = resolve(import.meta.dir, "../../terraform")

type Block = Record<string, unknown>
export interface Configuration {
  readonly files: Record<string, string>
  readonly variables: Record<string, Block>
  readonly locals: Record<string, unknown>
  readonly resources: Record<string, Record<string, Block>>
  readonly data: Record<string, Record<string, Block>>
  readonly outputs: Record<string, Block>
  readonly terraform: Array<Block>
  readonly providers: Record<string, Array<Block>>
}

// hcl2json wraps every block in a one-element list.
const first = (v: unknown): Block => (Array.isArray(v) ? v[0] : v) as Block

/** Parses every .tf file of terraform/ with @cdktf/hcl2json and merges them. */
export const loadConfiguration = async (dir = TERRAFORM_DIR): Promise<Configuration> => {
  const config: Configuration = {
    files: {},
    variables: {},
    locals: {},
    resources: {},
    data: {},
    outputs: {},
    terraform: [],
    providers: {}
  }
  for (const name of readdirSync(dir).filter((f) => f.endsWith(".tf")).sort()) {
    const text = readFileSync(join(dir, name), "utf8")
    config.files[name] = text
    const json = (await parse(name, text)) as Record<string, any>
    for (const [k, v] of Object.entries(json.variable ?? {})) config.variables[k] = first(v)
    for (const block of json.locals ?? []) Object.assign(config.locals, block)
    for (const [type, byName] of Object.entries(json.resource ?? {})) {
      for (const [n, v] of Object.entries(byName as object)) (config.resources[type] ??= {})[n] = first(v)
    }
    for (const [type, byName] of Object.entries(json.data ?? {})) {
      for (const [n, v] of Object.entries(byName as object)) (config.data[type] ??= {})[n] = first(v)
    }
    for (const [k, v] of Object.entries(json.output ?? {})) config.outputs[k] = first(v)
    config.terraform.push(...(json.terraform ?? []))
    for (const [k, v] of Object.entries(json.provider ?? {})) config.providers[k] = v as Array<Block>
  }
  return config
}

export const resource = (config: Configuration, type: string, name: string): Block => {
  const r = config.resources[type]?.[name]
  if (!r) throw new Error(`terraform declares no ${type}.${name}`)
  return r
}

export const block = (b: Block, key: string): Block => first(b[key])
