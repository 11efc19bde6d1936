import { existsSync, mkdirSync } from "node:fs"
import { join } from "node:path"

export type Arch = "arm64" | "x86_64"

const PACKAGE: Record<Arch, string> = { arm64: "@oven/bun-linux-aarch64", x86_64: "@oven/bun-linux-x64" }
// ELF e_machine values (offset 18, little-endian).
const ELF_MACHINE: Record<Arch, number> = { arm64: 0xb7, x86_64: 0x3e }

/** Reads the ELF header: fails unless this is a 64-bit ELF executable for `arch`. */
export const assertElfArch = (binary: Uint8Array, arch: Arch, what: string) => {
  const magic = binary[0] === 0x7f && binary[1] === 0x45 && binary[2] === 0x4c && binary[3] === 0x46
  if (!magic) throw new Error(`${what} is not an ELF binary`)
  if (binary[4] !== 2) throw new Error(`${what} is not a 64-bit ELF binary`)
  const machine = binary[18]! | (binary[19]! << 8)
  if (machine !== ELF_MACHINE[arch]) {
    throw new Error(`${what} is built for ELF machine 0x${machine.toString(16)}, not ${arch}`)
  }
}

/**
 * Where the Linux Bun binary of exactly `version` for `arch` is: in node_modules when npm installed
 * that platform's package (it does for the machine's own), otherwise fetched with `npm pack` from the
 * registry into `cacheDir` (npm checks the package's integrity). Returns its path and its bytes,
 * checked to be an ELF executable for `arch`.
 */
export const locateBunBinary = async (
  arch: Arch,
  version: string,
  root: string,
  cacheDir: string
): Promise<{ readonly path: string; readonly data: Uint8Array }> => {
  const pkg = PACKAGE[arch]
  const installed = [
    {
      binary: join(root, "node_modules", pkg, "bin", "bun"),
      manifest: join(root, "node_modules", pkg, "package.json")
    },
    // bun's postinstall moves this machine's binary out of its platform package, to here.
    { binary: join(root, "node_modules/bun/bin/bun.exe"), manifest: join(root, "node_modules/bun/package.json") }
  ]
  for (const { binary, manifest } of installed) {
    if (!existsSync(binary) || (await Bun.file(manifest).json()).version !== version) continue
    const data = new Uint8Array(await Bun.file(binary).arrayBuffer())
    try {
      assertElfArch(data, arch, binary)
      return { path: binary, data }
    } catch {
      // Another architecture's binary, or the stub left when bun's postinstall did not run.
    }
  }
  // Not installed: a pristine copy from the registry.
  const dir = join(cacheDir, `${pkg.replace("/", "-")}-${version}`)
  const binaryPath = join(dir, "package", "bin", "bun")
  if (!existsSync(binaryPath)) {
    mkdirSync(dir, { recursive: true })
    const pack = Bun.spawnSync(["npm", "pack", `${pkg}@${version}`, "--pack-destination", dir, "--silent"], {
      stderr: "pipe"
    })
    if (pack.exitCode !== 0) throw new Error(`npm pack ${pkg}@${version} failed: ${pack.stderr.toString()}`)
    const tarball = join(dir, pack.stdout.toString().trim().split("\n").pop()!)
    const untar = Bun.spawnSync(["tar", "-xzf", tarball, "-C", dir], { stderr: "pipe" })
    if (untar.exitCode !== 0) throw new Error(`could not unpack ${tarball}: ${untar.stderr.toString()}`)
  }
  const data = new Uint8Array(await Bun.file(binaryPath).arrayBuffer())
  assertElfArch(data, arch, `${pkg}@${version} bin/bun`)
  return { path: binaryPath, data }
}

/** The bytes of that binary. */
export const bunBinary = async (arch: Arch, version: string, root: string, cacheDir: string): Promise<Uint8Array> =>
  (await locateBunBinary(arch, version, root, cacheDir)).data
