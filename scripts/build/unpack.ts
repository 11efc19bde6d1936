import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { Arch } from "./bun-binary.ts"
import { runnableLayer } from "./emulation.ts"
import { extractZip } from "./zip.ts"

export interface UnpackedFunction {
  readonly arch: Arch
  readonly bootstrap: string
  readonly taskRoot: string
  readonly handler: string
  /** The layer's Bun runs under qemu-user (slow: seconds of init). */
  readonly emulated: boolean
}

/**
 * Unpacks dist/layer-<arch>.zip into `into`/opt and dist/function-<arch>.zip into `into`/task, as
 * Lambda does, and makes the layer runnable on this machine (qemu-user for the other architecture).
 */
export const unpackArtefacts = (dist: string, arch: Arch, into: string): UnpackedFunction => {
  const opt = join(into, "opt")
  const task = join(into, "task")
  extractZip(new Uint8Array(readFileSync(join(dist, `layer-${arch}.zip`))), opt)
  extractZip(new Uint8Array(readFileSync(join(dist, `function-${arch}.zip`))), task)
  const emulated = runnableLayer(opt, arch)
  return { arch, bootstrap: join(opt, "bootstrap"), taskRoot: task, handler: "handler.handler", emulated }
}
