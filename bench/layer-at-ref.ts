import { execSync } from "node:child_process"
import { mkdirSync } from "node:fs"
import { join } from "node:path"

/**
 * The runtime layer's sources (runtime/ and shared/) as a git ref has them, unpacked under `into`, for a
 * side-by-side run against this checkout: returns the folder that holds them, as a checkout's root does.
 */
export const layerAtRef = (root: string, ref: string, into: string): string => {
  const dir = join(into, `layer-${ref.replace(/[^A-Za-z0-9._-]/g, "_")}`)
  mkdirSync(dir, { recursive: true })
  execSync(`git archive ${JSON.stringify(ref)} runtime shared | tar -x -C ${JSON.stringify(dir)}`, { cwd: root })
  return dir
}
