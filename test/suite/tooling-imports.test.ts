import { describe, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"

const ROOT = resolve(import.meta.dir, "../..")
/** What ships and what runs locally: none of it may depend on the tests (test doubles and fixtures stay in test/). */
const FOLDERS = ["src", "runtime", "shared", "local", "bench", "scripts"]
const TESTS = resolve(ROOT, "test")

// Static imports and re-exports, side-effect imports, import() and require() with a literal specifier.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'`]([^"'`]+)["'`]/g

/** The relative specifiers of a source file that land under test/. */
const importsIntoTests = (file: string, source: string): Array<string> =>
  [...source.matchAll(SPECIFIER)]
    .map((m) => m[1]!)
    .filter((specifier) => specifier.startsWith("."))
    .filter((specifier) => {
      const target = resolve(dirname(file), specifier)
      return target === TESTS || target.startsWith(`${TESTS}/`)
    })

const sourceFiles = () =>
  FOLDERS.flatMap((folder) =>
    [...new Bun.Glob(`${folder}/**/*.{ts,js,mjs,cjs}`).scanSync({ cwd: ROOT })].filter((f) =>
      !f.includes("node_modules/")
    )
  )

describe("tooling and product code do not import tests", () => {
  test("the check sees every form of import that reaches test/", () => {
    const file = resolve(ROOT, "local/chaos/example.ts")
    const source = [
      `import { A } from "../../test/fixtures/a.ts"`,
      `export { B } from '../../test/support/b.ts'`,
      `import "../../test/setup.ts"`,
      `const c = await import("../../test/c.ts")`,
      `const d = require("../../test/d.js")`,
      `import { E } from "../../testing/e.ts"`,
      `import { F } from "../aws/f.ts"`
    ].join("\n")
    expect(importsIntoTests(file, source)).toEqual([
      "../../test/fixtures/a.ts",
      "../../test/support/b.ts",
      "../../test/setup.ts",
      "../../test/c.ts",
      "../../test/d.js"
    ])
  })

  test(`nothing in ${FOLDERS.join(", ")} imports from test/`, () => {
    const files = sourceFiles()
    expect(files.length).toBeGreaterThan(100)
    const offending = files.flatMap((f) =>
      importsIntoTests(resolve(ROOT, f), readFileSync(resolve(ROOT, f), "utf8")).map((s) => `${f}: ${s}`)
    )
    expect(offending).toEqual([])
  })
})
