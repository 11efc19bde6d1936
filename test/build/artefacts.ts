import { join, resolve } from "node:path"
import { scratchDir } from "./scratch.ts"

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

/** A scratch folder for this test process (removed by the next run once this one is gone). */
export const scratch = () => (work ??= scratchDir("build-test"))

/** The artefacts of one `bun run build` (every architecture), shared by the test files of one run. */
export const artefacts = () => {
  built ??= (() => {
    const dist = join(scratch(), "dist")
    return { dist, output: build(dist) }
  })()
  return built
}
