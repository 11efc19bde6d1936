/**
 * bun run build [--arch arm64|x86_64|all] [--out DIR]
 *
 * dist/function.zip       the handler, bundled (no node_modules needed at run time)
 * dist/layer-<arch>.zip   bootstrap + runtime + the pinned Bun binary for that architecture
 * All zips are reproducible: same inputs, same bytes.
 */
import { mkdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { bunBinary, type Arch } from "./build/bun-binary.ts"
import { bundle } from "./build/bundle.ts"
import { reproducibleZip } from "./build/zip.ts"

const root = resolve(import.meta.dir, "..")
const { values } = parseArgs({ options: { arch: { type: "string", default: "all" }, out: { type: "string" } } })
const dist = resolve(values.out ?? join(root, "dist"))
const arches: Array<Arch> = values.arch === "all" ? ["arm64", "x86_64"] : [values.arch as Arch]
if (!arches.every((a) => a === "arm64" || a === "x86_64")) throw new Error(`--arch must be arm64, x86_64 or all`)

const bunVersion: string = (await Bun.file(join(root, "node_modules/bun/package.json")).json()).version
mkdirSync(dist, { recursive: true })

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`
const write = async (name: string, data: Uint8Array) => {
  await Bun.write(join(dist, name), data)
  const hash = new Bun.CryptoHasher("sha256").update(data).digest("base64")
  console.log(`${name.padEnd(22)} ${mb(data.byteLength).padStart(10)}  sha256 ${hash}`)
}

const handler = await bundle(join(root, "src/handler.ts"), "handler.js")
await write("function.zip", reproducibleZip(handler))

const runtime = await bundle(join(root, "runtime/src/main.ts"), "runtime.js")
const bootstrap = new Uint8Array(await Bun.file(join(root, "runtime/bootstrap")).arrayBuffer())
for (const arch of arches) {
  const bun = await bunBinary(arch, bunVersion, root, join(root, ".cache"))
  await write(`layer-${arch}.zip`, reproducibleZip([
    { name: "bootstrap", data: bootstrap, executable: true },
    { name: "bun", data: bun, executable: true },
    ...runtime
  ]))
}
console.log(`Bun ${bunVersion}. The arm64 layer is close to Lambda's 50 MB direct-upload limit: Terraform uploads layers through S3.`)
