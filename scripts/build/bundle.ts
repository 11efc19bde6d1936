import type { BunPlugin } from "bun"
import { lazyModules } from "./lazy-modules.ts"

// effect's ConfigProvider reads `import.meta?.env`, which is a syntax error in CommonJS; Lambda
// has no import.meta.env anyway. Dropping it lets the code ship as CommonJS with Bun bytecode.
const noImportMetaEnv: BunPlugin = {
  name: "no-import-meta-env",
  setup(build) {
    build.onLoad({ filter: /[\\/]effect[\\/]dist[\\/]ConfigProvider\.js$/ }, async (args) => ({
      contents: (await Bun.file(args.path).text()).replaceAll("import.meta?.env", "undefined"),
      loader: "js"
    }))
  }
}

export interface BundledFile {
  readonly name: string
  readonly data: Uint8Array
}

/**
 * Bundles one entry for Bun, minified, as CommonJS plus its bytecode (.jsc): about twice as fast
 * to load as the plain ESM bundle. The bytecode is tied to the Bun version that built it, which
 * is the pinned one the layer ships; Bun falls back to the source if they ever differ.
 */
export const bundle = async (entry: string, name: string): Promise<Array<BundledFile>> => {
  const result = await Bun.build({ entrypoints: [entry], target: "bun", format: "cjs", minify: true, bytecode: true, plugins: [noImportMetaEnv, lazyModules], naming: name })
  if (!result.success) throw new AggregateError(result.logs, `bundling ${entry} failed`)
  return Promise.all(result.outputs.map(async (o) => ({ name: o.path.replace(/^.*[\\/]/, ""), data: new Uint8Array(await o.arrayBuffer()) })))
}
