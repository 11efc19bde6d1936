import { chmodSync, mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { unzipSync, zipSync, type ZipAttributes } from "fflate"

export interface ZipEntry {
  readonly name: string
  readonly data: Uint8Array
  readonly executable?: boolean
}

// The earliest time a zip (DOS) timestamp can hold: every entry gets it, so the bytes depend
// only on the names, contents and modes.
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0)
const UNIX = 3

/** A reproducible zip: entries sorted by name, fixed timestamps, Unix modes 0755 / 0644. */
export const reproducibleZip = (entries: ReadonlyArray<ZipEntry>, level: 6 | 9 = 9): Uint8Array => {
  const files: Record<string, [Uint8Array, ZipAttributes & { level: 6 | 9 }]> = {}
  for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const mode = entry.executable ? 0o100755 : 0o100644
    files[entry.name] = [entry.data, { level, mtime: FIXED_MTIME, os: UNIX, attrs: mode << 16 }]
  }
  return zipSync(files)
}

/** Unpacks a zip into a folder, keeping the executable bit of `bootstrap` and `bun` (what Lambda does with a layer). */
export const extractZip = (zip: Uint8Array, into: string): Array<string> => {
  const files = unzipSync(zip)
  for (const [name, data] of Object.entries(files)) {
    const path = join(into, name)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, data)
    if (name === "bootstrap" || name === "bun") chmodSync(path, 0o755)
  }
  return Object.keys(files).sort()
}
