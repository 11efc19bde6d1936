import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

export const ROOT = resolve(import.meta.dir, "../..")

/** Runs `bun run build --out <dist>`; returns what it printed. */
export const build = (dist: string, args: ReadonlyArray<string> = []) => {
  const command = [process.execPath, "scripts/build.ts", "--out", dist, ...args]
  const run = Bun.spawnSync(command, { cwd: ROOT, stdout: "pipe", stderr: "pipe" })
  if (run.exitCode !== 0) throw new Error(`build failed: ${run.stderr.toString()}`)
  return run.stdout.toString()
}

let built: { readonly dist: string; readonly output: string } | undefined
let work: string | undefined

/** A scratch folder for this test process, removed when it exits. */
export const scratch = () => {
  if (!work) {
    const dir = mkdtempSync(join(tmpdir(), "build-test-"))
    work = dir
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }))
  }
  return work
}

/** The artefacts of one `bun run build` (every architecture), shared by the test files of one run. */
export const artefacts = () => {
  built ??= (() => {
    const dist = join(scratch(), "dist")
    return { dist, output: build(dist) }
  })()
  return built
}
