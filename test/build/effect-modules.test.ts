import { describe, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { bundleConfig } from "../../scripts/build/bundle.ts"
import { importEffectModules, readEffectIndex } from "../../scripts/build/effect-modules.ts"

const ROOT = resolve(import.meta.dir, "../..")
const index = readEffectIndex(readFileSync(`${ROOT}/node_modules/effect/dist/index.js`, "utf8"))

// scripts/build/effect-modules.ts: our imports from effect's index, bundled as imports of its modules.

describe("effect's index, as installed", () => {
  test("re-exports its modules as namespaces of the same name, and a few functions of Function", async () => {
    expect(index.namespaces.get("Effect")).toBe("Effect")
    expect(index.namespaces.get("Schema")).toBe("Schema")
    expect(index.named.get("pipe")).toBe("Function")
    expect(index.named.get("identity")).toBe("Function")
    // Every name the index lists is the same value as in the module it is rewritten to.
    const effect: Record<string, unknown> = await import("effect")
    expect(Object.keys(effect).sort()).toEqual([...index.namespaces.keys(), ...index.named.keys()].sort())
    for (const [name, file] of index.namespaces) {
      expect(Object.keys(await import(`effect/${file}`)).sort()).toEqual(Object.keys(effect[name]!).sort())
    }
    for (const [name, file] of index.named) expect((await import(`effect/${file}`))[name]).toBe(effect[name])
  }, 15_000)
})

describe("importEffectModules", () => {
  test("rewrites named, aliased, type-only and multi-line imports; leaves everything else alone", () => {
    const source = [
      `import { Effect, type Layer, pipe, Schema as S } from "effect"`,
      `import type { Context } from "effect"`,
      `import {\n  Config,\n  identity\n} from "effect"`,
      `import * as Otlp from "effect/observability/OtlpExporter"`,
      `import { Effect as E } from "./effect"`,
      `const text = "from effect"`
    ].join("\n")
    expect(importEffectModules(source, index)).toBe([
      `import * as Effect from "effect/Effect"; import type * as Layer from "effect/Layer"; ` +
      `import { pipe } from "effect/Function"; import * as S from "effect/Schema"`,
      `import type * as Context from "effect/Context"`,
      `import * as Config from "effect/Config"; import { identity } from "effect/Function"`,
      `import * as Otlp from "effect/observability/OtlpExporter"`,
      `import { Effect as E } from "./effect"`,
      `const text = "from effect"`
    ].join("\n"))
  })

  test("a name effect's index does not export fails the build", () => {
    expect(() => importEffectModules(`import { Nope } from "effect"`, index)).toThrow(/"Nope" is not exported/)
  })
})

describe("the handler bundle", () => {
  test("holds no import of effect's index, hence only the effect modules the function uses", async () => {
    const entry = resolve(ROOT, "src/handler.ts")
    const result = await Bun.build({ ...bundleConfig(entry, "handler.js"), bytecode: false, metafile: true })
    expect(result.success).toBe(true)
    const inputs = Object.keys(Object.values(result.metafile!.outputs)[0]!.inputs)
    const effectModules = inputs.filter((p) => p.includes("node_modules/effect/dist/"))
    expect(effectModules.length).toBeGreaterThan(0)
    expect(effectModules.filter((p) => p.endsWith("effect/dist/index.js"))).toEqual([])
    // Modules the function never uses, which the index brought in and evaluated at every cold start.
    for (const unused of ["Graph", "Cron", "JsonSchema", "Arbitrary", "HashRing"]) {
      expect(effectModules.filter((p) => p.endsWith(`effect/dist/${unused}.js`))).toEqual([])
    }
  }, 30_000)
})
