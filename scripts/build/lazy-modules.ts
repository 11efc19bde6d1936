import type { BunPlugin } from "bun"
import { join } from "node:path"

/** Packages replaced in the bundles by a stand-in that loads them only when really used. */
export const LAZY_MODULES: Record<string, string> = {
  "@smithy/node-http-handler": join(import.meta.dir, "shims", "node-http-handler.ts"),
  "@aws-sdk/credential-provider-node": join(import.meta.dir, "shims", "credential-provider-node.ts")
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")

/** Resolves each of LAZY_MODULES to its stand-in, except from the stand-in itself, which gets the real one. */
export const lazyModules: BunPlugin = {
  name: "lazy-modules",
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(${Object.keys(LAZY_MODULES).map(escape).join("|")})$`) }, (args) => {
      const shim = LAZY_MODULES[args.path]!
      return args.importer === shim ? undefined : { path: shim }
    })
  }
}
