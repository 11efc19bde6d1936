/**
 * bun run build [--arch arm64|x86_64|all] [--out DIR]
 *
 * dist/function.zip       the handler, bundled, with the few packages it loads only when needed in
 *                         its own node_modules/ (scripts/build/stand-ins.ts)
 * dist/layer-<arch>.zip   bootstrap + runtime + the pinned Bun binary for that architecture
 * All zips are reproducible: same inputs, same bytes. An artefact whose inputs did not change since
 * it was built into DIR is left as it is (scripts/artifact-cache.ts); --force rebuilds everything.
 */
import { mkdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { ArtifactCache, inputsKey, type Produced } from "./artifact-cache.ts"
import { bunBinary, type Arch } from "./build/bun-binary.ts"
import { bundle, type BundledFile } from "./build/bundle.ts"
import { reproducibleZip } from "./build/zip.ts"

const root = resolve(import.meta.dir, "..")
const { values } = parseArgs({
  options: {
    arch: { type: "string", default: "all" },
    out: { type: "string" },
    force: { type: "boolean", default: false }
  }
})
const dist = resolve(values.out ?? join(root, "dist"))
const arches: Array<Arch> = values.arch === "all" ? ["arm64", "x86_64"] : [values.arch as Arch]
if (!arches.every((a) => a === "arm64" || a === "x86_64")) throw new Error(`--arch must be arm64, x86_64 or all`)

const bunVersion: string = (await Bun.file(join(root, "node_modules/bun/package.json")).json()).version
mkdirSync(dist, { recursive: true })

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`
const report = (p: Produced) =>
  console.log(`${p.name.padEnd(22)} ${mb(p.bytes).padStart(10)}  sha256 ${p.sha256}${p.reused ? "  (unchanged)" : ""}`)

// What every artefact is built from besides its own sources: the build code, the locked dependencies, Bun.
const cache = new ArtifactCache(dist, { force: values.force! })
const BUILD_INPUTS = [
  "scripts/build.ts", "scripts/build", "scripts/artifact-cache.ts", "package-lock.json", "tsconfig.json"
]

report(await cache.produce("function.zip", inputsKey(root, ["src", ...BUILD_INPUTS], [bunVersion]), async () =>
  reproducibleZip(await bundle(join(root, "src/handler.ts"), "handler.js"))))

let runtime: Array<BundledFile> | undefined
for (const arch of arches) {
  const key = inputsKey(root, ["runtime", ...BUILD_INPUTS], [bunVersion, arch])
  report(await cache.produce(`layer-${arch}.zip`, key, async () => {
    runtime ??= await bundle(join(root, "runtime/src/main.ts"), "runtime.js")
    const bootstrap = new Uint8Array(await Bun.file(join(root, "runtime/bootstrap")).arrayBuffer())
    const bun = await bunBinary(arch, bunVersion, root, join(root, ".cache"))
    return reproducibleZip([
      { name: "bootstrap", data: bootstrap, executable: true },
      { name: "bun", data: bun, executable: true },
      ...runtime
    ])
  }))
}
console.log(`Bun ${bunVersion}. The arm64 layer is close to Lambda's 50 MB direct-upload limit: Terraform uploads layers through S3.`)
