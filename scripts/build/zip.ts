import { type ZipAttributes, zipSync } from "fflate"
import { chmodSync, mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { inflateRawSync } from "node:zlib"

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

export interface ZipMember {
  readonly name: string
  /** Inflates the member (native zlib: several times faster than fflate's JavaScript inflate on a 100 MB binary). */
  readonly read: () => Uint8Array
}

/** The members of a zip, read from its central directory (stored or deflated; no ZIP64, as reproducibleZip writes). */
export const zipMembers = (zip: Uint8Array): Array<ZipMember> => {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength)
  let end = zip.byteLength - 22
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--
  if (end < 0) throw new Error("not a zip: no end of central directory record")
  const members: Array<ZipMember> = []
  for (let i = 0, at = view.getUint32(end + 16, true); i < view.getUint16(end + 10, true); i++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error(`corrupt zip: central directory entry ${i}`)
    const method = view.getUint16(at + 10, true)
    const compressedSize = view.getUint32(at + 20, true)
    const nameLength = view.getUint16(at + 28, true)
    const local = view.getUint32(at + 42, true)
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true)
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength))
    if (method !== 0 && method !== 8) throw new Error(`${name}: unsupported compression method ${method}`)
    const data = zip.subarray(start, start + compressedSize)
    members.push({ name, read: () => (method === 0 ? data : new Uint8Array(inflateRawSync(data))) })
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true)
  }
  return members
}

/** Unpacks a zip into a folder, keeping the executable bit of `bootstrap` and `bun` (what Lambda does with a layer). */
export const extractZip = (zip: Uint8Array, into: string): Array<string> => {
  const members = zipMembers(zip)
  for (const member of members) {
    const path = join(into, member.name)
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, member.read())
    if (member.name === "bootstrap" || member.name === "bun") chmodSync(path, 0o755)
  }
  return members.map((m) => m.name).sort()
}
