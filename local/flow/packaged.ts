import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { sha256 } from "../../scripts/artifact-cache.ts"
import type { Arch } from "../../scripts/build/bun-binary.ts"
import { bundle } from "../../scripts/build/bundle.ts"
import { hostArch, isEmulated, runnableLayer } from "../../scripts/build/emulation.ts"
import { extractZip } from "../../scripts/build/zip.ts"
import { linesOf } from "../runtime-api/lines.ts"

const ROOT = resolve(import.meta.dir, "../..")

export interface PackagedOptions {
  /** The layer's architecture (default this machine's); another one needs an emulator to run. */
  readonly arch?: Arch
  /** Where `bun run build` writes and caches the artefacts (default dist/). */
  readonly dist?: string
  /** Called with each line `bun run build` prints (sizes, hashes, "unchanged"). */
  readonly onBuildLine?: (line: string) => void
}

export interface PackagedFunction {
  readonly arch: Arch
  readonly bootstrap: string
  readonly taskRoot: string
  readonly handler: string
  /** The layer's Bun runs under qemu-user: correct, but cold starts take seconds. */
  readonly emulated: boolean
}

/**
 * Unpacks a layer once per content into .cache/layers/ (a 100 MB binary is worth not writing again);
 * the copies of older layers of that architecture are removed. Another architecture's layer gets
 * its `bun` started under qemu-user (scripts/build/emulation.ts).
 */
const unpackedLayer = (zipPath: string, arch: Arch) => {
  const zip = new Uint8Array(readFileSync(zipPath))
  const layers = join(ROOT, ".cache", "layers")
  const name = `${arch}-${sha256(zip).replace(/[/+=]/g, "").slice(0, 16)}${isEmulated(arch) ? "-qemu" : ""}`
  const dir = join(layers, name)
  if (!existsSync(dir)) {
    for (const old of existsSync(layers) ? readdirSync(layers) : []) {
      const stale = old.startsWith(`${arch}-`) && !old.endsWith(".tmp")
      if (stale) rmSync(join(layers, old), { recursive: true, force: true })
    }
    const staging = `${dir}.${process.pid}.tmp`
    rmSync(staging, { recursive: true, force: true })
    extractZip(zip, staging)
    runnableLayer(staging, arch)
    mkdirSync(layers, { recursive: true })
    try {
      renameSync(staging, dir)
    } catch (e) {
      // Another run unpacked the same layer first.
      rmSync(staging, { recursive: true, force: true })
      if (!existsSync(dir)) throw e
    }
  }
  return dir
}

/**
 * What ships, for this machine's architecture or `options.arch`: `bun run build` into `dist` (which
 * rebuilds only what changed), then the layer and function-<arch>.zip unpacked as Lambda does, into
 * an /opt-like folder and a task root. `extra` entries are bundled the same way into the task root
 * (the benchmark's baseline).
 */
export const packagedFunction = async (
  extra: Record<string, string> = {},
  options: PackagedOptions = {}
): Promise<PackagedFunction> => {
  const dist = resolve(options.dist ?? join(ROOT, "dist"))
  const arch = options.arch ?? hostArch() ?? "x86_64"
  const build = Bun.spawn([process.execPath, "scripts/build.ts", "--arch", arch, "--out", dist], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe"
  })
  // Line by line as the build goes: a first build takes a while, and each artefact is news.
  for await (const line of linesOf(build.stdout)) options.onBuildLine?.(line)
  const errors = await new Response(build.stderr).text()
  if ((await build.exited) !== 0) throw new Error(`build failed: ${errors}`)
  const task = join(mkdtempSync(join(tmpdir(), "packaged-")), "task")
  extractZip(new Uint8Array(readFileSync(join(dist, `function-${arch}.zip`))), task)
  for (const [name, entry] of Object.entries(extra)) {
    for (const file of await bundle(resolve(ROOT, entry), name)) {
      mkdirSync(dirname(join(task, file.name)), { recursive: true })
      writeFileSync(join(task, file.name), file.data)
    }
  }
  return {
    arch,
    bootstrap: join(unpackedLayer(join(dist, `layer-${arch}.zip`), arch), "bootstrap"),
    taskRoot: task,
    handler: "handler.handler",
    emulated: isEmulated(arch)
  }
}
