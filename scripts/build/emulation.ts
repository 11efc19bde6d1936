import { existsSync, renameSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Arch } from "./bun-binary.ts"

// Debian's qemu-user runs a Linux binary of the other architecture; the cross C library is its sysroot.
const QEMU: Record<Arch, { readonly binary: string; readonly sysroot: string; readonly packages: string }> = {
  arm64: { binary: "qemu-aarch64", sysroot: "/usr/aarch64-linux-gnu", packages: "qemu-user libc6-arm64-cross" },
  x86_64: { binary: "qemu-x86_64", sysroot: "/usr/x86_64-linux-gnu", packages: "qemu-user libc6-amd64-cross" }
}

/** This machine's architecture as Lambda names it, when it runs Linux binaries natively. */
export const hostArch = (): Arch | undefined => {
  if (process.platform !== "linux") return undefined
  return process.arch === "arm64" ? "arm64" : process.arch === "x64" ? "x86_64" : undefined
}

export const isEmulated = (arch: Arch) => hostArch() !== arch

/**
 * The command prefix that runs a Linux binary built for `arch` here: nothing when it is native,
 * qemu-user with the cross C library otherwise. Throws, naming the Debian packages, when neither works.
 */
export const emulatorFor = (arch: Arch): Array<string> => {
  if (!isEmulated(arch)) return []
  const { binary, sysroot, packages } = QEMU[arch]
  const qemu = Bun.which(binary)
  if (process.platform !== "linux" || !qemu || !existsSync(sysroot)) {
    throw new Error(
      `running the ${arch} Bun on this ${process.platform}/${process.arch} machine needs ${binary} ` +
        `and the ${arch} C library in ${sysroot}: on Debian, apt-get install -y ${packages}`
    )
  }
  return [qemu, "-L", sysroot]
}

/**
 * Makes an unpacked layer runnable here: when `arch` is not this machine's, its `bun` becomes a
 * two-line script that starts the real binary (kept as `bun.<arch>`) under qemu-user, so the
 * layer's own bootstrap runs unchanged. Returns whether it is emulated.
 */
export const runnableLayer = (optDir: string, arch: Arch): boolean => {
  const prefix = emulatorFor(arch)
  if (prefix.length === 0) return false
  const real = `bun.${arch}`
  renameSync(join(optDir, "bun"), join(optDir, real))
  const quoted = prefix.map((p) => `'${p}'`).join(" ")
  writeFileSync(join(optDir, "bun"), `#!/bin/sh\nexec ${quoted} "\${0%/*}/${real}" "$@"\n`, { mode: 0o755 })
  return true
}
