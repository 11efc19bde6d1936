/**
 * The build cache: an artefact is rebuilt only when the content of its inputs changed (or the file
 * in the output folder is no longer the one built). Keys are hashes of contents, never of times, so
 * a fresh clone, a touch or a checkout of the same commit all hit the cache. The record of what was
 * built lives next to the artefacts, in <out>/.build-cache.json.
 */
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"

// Bump when the record's format or what a key covers changes.
const FORMAT = "1"

const files = (root: string, path: string): Array<string> => {
  const full = join(root, path)
  if (!statSync(full).isDirectory()) return [path]
  return readdirSync(full).sort().flatMap((name) => files(root, join(path, name)))
}

/**
 * The key of a set of inputs: every file under `paths` (relative to `root`, folders walked in
 * sorted order) by relative path and content, and `extra` strings (a version, an architecture).
 */
export const inputsKey = (root: string, paths: ReadonlyArray<string>, extra: ReadonlyArray<string> = []): string => {
  const hash = new Bun.CryptoHasher("sha256").update(`format ${FORMAT}\0`)
  for (const extraValue of extra) hash.update(`extra ${extraValue}\0`)
  for (const file of paths.flatMap((p) => files(root, p))) {
    hash.update(`file ${relative(root, join(root, file))}\0`).update(readFileSync(join(root, file))).update("\0")
  }
  return hash.digest("hex")
}

export const sha256 = (data: Uint8Array) => new Bun.CryptoHasher("sha256").update(data).digest("base64")

interface Entry {
  readonly key: string
  readonly sha256: string
  readonly bytes: number
}

export interface Produced extends Entry {
  readonly name: string
  /** True when the artefact in the output folder was already built from the same inputs. */
  readonly reused: boolean
}

/** The artefacts of one output folder and what each was built from. */
export class ArtifactCache {
  private readonly recordPath: string
  private readonly record: Record<string, Entry>

  constructor(private readonly out: string, options: { readonly force?: boolean } = {}) {
    this.recordPath = join(out, ".build-cache.json")
    this.record = !options.force && existsSync(this.recordPath) ? JSON.parse(readFileSync(this.recordPath, "utf8")) : {}
  }

  /** Writes `name` from `build()` unless it is already there, built from inputs with this `key`. */
  async produce(name: string, key: string, build: () => Promise<Uint8Array> | Uint8Array): Promise<Produced> {
    const path = join(this.out, name)
    const known = this.record[name]
    if (known?.key === key && existsSync(path) && sha256(new Uint8Array(readFileSync(path))) === known.sha256) {
      return { name, ...known, reused: true }
    }
    const data = await build()
    const entry: Entry = { key, sha256: sha256(data), bytes: data.byteLength }
    // Written aside then renamed: a build stopped halfway never leaves a truncated artefact.
    writeFileSync(`${path}.tmp`, data)
    renameSync(`${path}.tmp`, path)
    this.record[name] = entry
    writeFileSync(`${this.recordPath}.tmp`, `${JSON.stringify(this.record, null, 2)}\n`)
    renameSync(`${this.recordPath}.tmp`, this.recordPath)
    return { name, ...entry, reused: false }
  }
}
