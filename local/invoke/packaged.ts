import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { bundle } from "../../scripts/build/bundle.ts"
import { extractZip } from "../../scripts/build/zip.ts"

const ROOT = resolve(import.meta.dir, "../..")

/**
 * Builds what ships (bun run build, for this machine's architecture) and unpacks it as Lambda
 * would: the layer into an /opt-like folder, the function into a task root. `extra` entries are
 * bundled the same way into the task root (the benchmark's baseline).
 */
export const packagedFunction = async (extra: Record<string, string> = {}) => {
  const work = mkdtempSync(join(tmpdir(), "packaged-"))
  const arch = process.arch === "arm64" ? "arm64" : "x86_64"
  const built = Bun.spawnSync([process.execPath, "scripts/build.ts", "--arch", arch, "--out", join(work, "dist")], { cwd: ROOT, stderr: "pipe" })
  if (built.exitCode !== 0) throw new Error(`build failed: ${built.stderr.toString()}`)
  extractZip(new Uint8Array(readFileSync(join(work, "dist", `layer-${arch}.zip`))), join(work, "opt"))
  extractZip(new Uint8Array(readFileSync(join(work, "dist", "function.zip"))), join(work, "task"))
  for (const [name, entry] of Object.entries(extra)) {
    for (const file of await bundle(resolve(ROOT, entry), name)) writeFileSync(join(work, "task", file.name), file.data)
  }
  return { bootstrap: join(work, "opt", "bootstrap"), taskRoot: join(work, "task"), handler: "handler.handler" }
}
