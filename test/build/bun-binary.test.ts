import { afterAll, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { bunBinary } from "../../scripts/build/bun-binary.ts"

const root = mkdtempSync(join(tmpdir(), "bun-binary-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const elf = (machine: number) => {
  const header = new Uint8Array(64)
  header.set([0x7f, 0x45, 0x4c, 0x46, 2], 0)
  header[18] = machine
  return header
}

// Regression: after bun's postinstall the platform package is empty, and every fresh clone's first
// build downloaded the x64 package again with npm pack.
test("takes this machine's binary where bun's postinstall moved it, without fetching it again", async () => {
  mkdirSync(join(root, "node_modules/@oven/bun-linux-x64/bin"), { recursive: true })
  writeFileSync(join(root, "node_modules/@oven/bun-linux-x64/package.json"), JSON.stringify({ version: "9.9.9" }))
  mkdirSync(join(root, "node_modules/bun/bin"), { recursive: true })
  writeFileSync(join(root, "node_modules/bun/package.json"), JSON.stringify({ version: "9.9.9" }))
  writeFileSync(join(root, "node_modules/bun/bin/bun.exe"), elf(0x3e))
  // A cache folder that cannot be created: a fetch would fail the test.
  writeFileSync(join(root, "not-a-folder"), "")
  expect(await bunBinary("x86_64", "9.9.9", root, join(root, "not-a-folder"))).toEqual(elf(0x3e))
})
