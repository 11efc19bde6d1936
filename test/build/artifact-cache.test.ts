import { afterAll, describe, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ArtifactCache, inputsKey } from "../../scripts/artifact-cache.ts"

const work = mkdtempSync(join(tmpdir(), "artifact-cache-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const tree = (name: string, files: Record<string, string | undefined>) => {
  const root = join(work, name)
  for (const [path, content] of Object.entries(files)) {
    if (content === undefined) continue
    mkdirSync(join(root, path, ".."), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  return root
}

describe("inputsKey", () => {
  const files = { "src/a.ts": "a", "src/deep/b.ts": "b", "package-lock.json": "{}" }

  test("depends on paths and contents, not on times or where the tree is", () => {
    const one = tree("one", files)
    const key = inputsKey(one, ["src", "package-lock.json"], ["1.4.5"])
    utimesSync(join(one, "src/a.ts"), new Date(2001, 1, 1), new Date(2001, 1, 1))
    expect(inputsKey(one, ["src", "package-lock.json"], ["1.4.5"])).toBe(key)
    expect(inputsKey(tree("two", files), ["src", "package-lock.json"], ["1.4.5"])).toBe(key)
  })

  test("changes with a file's content, a new file, a renamed file and the extra values", () => {
    const key = inputsKey(tree("base", files), ["src", "package-lock.json"], ["1.4.5"])
    const variants = [
      inputsKey(tree("edited", { ...files, "src/a.ts": "a2" }), ["src", "package-lock.json"], ["1.4.5"]),
      inputsKey(tree("added", { ...files, "src/c.ts": "" }), ["src", "package-lock.json"], ["1.4.5"]),
      inputsKey(tree("renamed", { ...files, "src/a.ts": undefined, "src/a2.ts": "a" }), ["src", "package-lock.json"], [
        "1.4.5"
      ]),
      inputsKey(tree("base", files), ["src", "package-lock.json"], ["1.4.6"])
    ]
    expect(new Set([key, ...variants]).size).toBe(5)
  })
})

describe("ArtifactCache", () => {
  test("builds once for the same key; a new key, a changed or missing file, or force rebuild", async () => {
    const out = join(work, "out")
    mkdirSync(out)
    let builds = 0
    const build = () => new TextEncoder().encode(`artefact ${++builds}`)
    expect((await new ArtifactCache(out).produce("a.zip", "k1", build)).reused).toBe(false)
    const again = await new ArtifactCache(out).produce("a.zip", "k1", build)
    expect(again).toMatchObject({ reused: true, bytes: 10 })
    expect(builds).toBe(1)

    expect((await new ArtifactCache(out).produce("a.zip", "k2", build)).reused).toBe(false)
    writeFileSync(join(out, "a.zip"), "tampered")
    expect((await new ArtifactCache(out).produce("a.zip", "k2", build)).reused).toBe(false)
    rmSync(join(out, "a.zip"))
    expect((await new ArtifactCache(out).produce("a.zip", "k2", build)).reused).toBe(false)
    expect((await new ArtifactCache(out, { force: true }).produce("a.zip", "k2", build)).reused).toBe(false)
    expect(builds).toBe(5)
    expect(await Bun.file(join(out, "a.zip")).text()).toBe("artefact 5")
  })
})
