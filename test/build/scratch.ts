import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * A scratch folder named after this process. Bun's test runner runs no process exit handlers, so
 * instead the folders that earlier runs left (their process gone) are removed here first.
 */
export const scratchDir = (prefix: string) => {
  for (const name of readdirSync(tmpdir())) {
    const owner = new RegExp(`^${prefix}-(\\d+)-`).exec(name)?.[1]
    if (owner && !alive(Number(owner))) rmSync(join(tmpdir(), name), { recursive: true, force: true })
  }
  return mkdtempSync(join(tmpdir(), `${prefix}-${process.pid}-`))
}
