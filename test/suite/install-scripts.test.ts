import { expect, test } from "bun:test"
import { resolve } from "node:path"

const ROOT = resolve(import.meta.dir, "../..")

// npm 11 lists every dependency whose install script allowScripts does not cover (npm 12 will skip
// them). Each one must be decided in package.json, so that `npm ci` stays quiet and a new one is seen.
test("every dependency with an install script is allowed or denied in package.json's allowScripts", async () => {
  const pkg = await Bun.file(resolve(ROOT, "package.json")).json()
  const lock = await Bun.file(resolve(ROOT, "package-lock.json")).json()
  const withScripts = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
    .filter(([path, entry]) => path !== "" && entry.hasInstallScript)
    .map(([path]) => path.replace(/^.*node_modules\//, ""))
    .sort()
  expect(Object.keys(pkg.allowScripts ?? {}).sort()).toEqual(withScripts)
  // bun's postinstall puts the binary behind node_modules/.bin/bun (without it that is a stub that
  // exits 1); classic-level's only checks that its prebuilt binding loads, and dynalite runs in memory;
  // dprint's only copies its platform binary over bin.cjs, which finds the same binary without it.
  expect(pkg.allowScripts).toEqual({ bun: true, "classic-level": false, dprint: false })
})
