import { describe, expect, test } from "bun:test"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join, resolve } from "node:path"

const ROOT = resolve(import.meta.dir, "../..")

/** The README's layout table: each row's folder and the folders (`name/`) its description names. */
const layoutRows = (readme: string): Array<{ folder: string; named: Array<string> }> => {
  const section = readme.split(/^## Layout$/m)[1]!.split(/^## /m)[0]!
  return section.split("\n").flatMap((line) => {
    const row = /^\| `([\w.-]+)\/` \| (.*)$/.exec(line)
    return row
      ? [{ folder: row[1]!, named: [...row[2]!.matchAll(/`([\w.-]+(?:\/[\w.-]+)*)\/`/g)].map((m) => m[1]!) }]
      : []
  })
}

const subfolders = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).filter((e) =>
    e.isDirectory() && e.name !== "node_modules" && !e.name.startsWith(".")
  ).map((e) => e.name)

/** Every folder below `dir`, at any depth, as paths relative to it. */
const allFolders = (dir: string, prefix = ""): Array<string> =>
  subfolders(dir).flatMap((name) => [`${prefix}${name}`, ...allFolders(join(dir, name), `${prefix}${name}/`)])

describe("the README's layout table is the layout", () => {
  const rows = layoutRows(readFileSync(join(ROOT, "README.md"), "utf8"))

  test("it has a row per folder of the product and its tooling", () => {
    expect(rows.map((r) => r.folder)).toEqual(
      expect.arrayContaining(["src", "runtime", "terraform", "scripts", "local", "bench", "test"])
    )
  })

  test("each row names every folder directly inside its folder, and no folder that is not there", () => {
    for (const { folder, named } of rows) {
      const dir = join(ROOT, folder)
      expect(statSync(dir).isDirectory()).toBe(true)
      const present = allFolders(dir)
      // Named folders may be nested (`modes/` inside `invoke/`): each must exist somewhere below the row's folder,
      // or be a path from the repository's root (`test/support/`, `node_modules/`).
      const missing = named.filter((n) =>
        !present.some((p) => p === n || p.endsWith(`/${n}`)) && !existsSync(join(ROOT, n))
      )
      expect({ folder, namedButGone: missing }).toEqual({ folder, namedButGone: [] })
      const unnamed = subfolders(dir).filter((name) => !named.includes(name))
      expect({ folder, notInTheTable: unnamed }).toEqual({ folder, notInTheTable: [] })
    }
  })

  test("the bench row names every script directly in bench/", () => {
    const row = readFileSync(join(ROOT, "README.md"), "utf8").split("\n").find((l) => l.startsWith("| `bench/` |"))!
    const scripts = [...new Bun.Glob("bench/*.ts").scanSync({ cwd: ROOT })].map((f) => f.split("/").at(-1)!)
    expect(scripts.filter((name) => !row.includes(`\`${name}\``))).toEqual([])
  })
})
