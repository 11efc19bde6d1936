import type { BunPlugin } from "bun"
import { readFileSync } from "node:fs"
import { join } from "node:path"

/**
 * What effect's index (`import { Effect, pipe } from "effect"`) re-exports, by name: a module as a
 * namespace (`export * as Effect from "./Effect.js"`) or a named export of one (`pipe` from
 * "./Function.js"). Read from the installed package, so that a name it does not list fails the build.
 */
export interface EffectIndex {
  readonly namespaces: ReadonlyMap<string, string>
  readonly named: ReadonlyMap<string, string>
}

export const readEffectIndex = (indexSource: string): EffectIndex => {
  const source = indexSource.replace(/\/\*[\s\S]*?\*\//g, "")
  const namespaces = new Map<string, string>()
  for (const [, name, file] of source.matchAll(/export \* as (\w+) from "\.\/([\w/]+)\.js"/g)) {
    namespaces.set(name!, file!)
  }
  const named = new Map<string, string>()
  for (const [, list, file] of source.matchAll(/export \{([^}]*)\} from "\.\/([\w/]+)\.js"/g)) {
    for (const name of list!.split(",").map((n) => n.trim()).filter((n) => n !== "")) named.set(name, file!)
  }
  return { namespaces, named }
}

const EFFECT_IMPORT = /import\s+(type\s+)?\{([^}]*)\}\s*from\s*"effect"/g

/**
 * Rewrites a module's imports from effect's index into imports of the modules it uses
 * (`import { Effect, type Layer } from "effect"` becomes `import * as Effect from "effect/Effect"` and
 * `import type * as Layer from "effect/Layer"`), which is what the names stand for.
 *
 * Why: the bundle is CommonJS, in which Bun evaluates effect's index whole, i.e. all of its ~190
 * modules (Graph, Cron, JsonSchema, Arbitrary...), at every cold start; imported one by one, only
 * those the function uses are bundled and evaluated.
 */
export const importEffectModules = (source: string, index: EffectIndex): string =>
  source.replace(
    EFFECT_IMPORT,
    (statement, typeOnly: string | undefined, list: string) =>
      list.split(",").map((s) => s.trim()).filter((s) => s !== "").map((specifier) => {
        const type = typeOnly !== undefined || specifier.startsWith("type ")
        const [name, alias = name] = specifier.replace(/^type\s+/, "").split(/\s+as\s+/) as [string, string?]
        const keyword = type ? "import type" : "import"
        const namespace = index.namespaces.get(name)
        if (namespace !== undefined) return `${keyword} * as ${alias} from "effect/${namespace}"`
        const module = index.named.get(name)
        if (module !== undefined) {
          return `${keyword} { ${name === alias ? name : `${name} as ${alias}`} } from "effect/${module}"`
        }
        throw new Error(`"${name}" is not exported by effect's index (in: ${statement})`)
      }).join("; ")
  )

const effectIndexPath = () => join(import.meta.dir, "..", "..", "node_modules", "effect", "dist", "index.js")

/** Applies importEffectModules to our own TypeScript (src/), not to node_modules. */
export const effectModules: BunPlugin = {
  name: "effect-modules",
  setup(build) {
    let index: EffectIndex | undefined
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await Bun.file(args.path).text()
      if (/[\\/]node_modules[\\/]/.test(args.path)) return { contents: source, loader: "ts" }
      index ??= readEffectIndex(readFileSync(effectIndexPath(), "utf8"))
      return { contents: importEffectModules(source, index), loader: "ts" }
    })
  }
}
