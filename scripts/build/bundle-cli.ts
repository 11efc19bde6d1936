/**
 * bun scripts/build/bundle-cli.ts <entry> <name> <outDir>
 *
 * Run by the Bun that will load the bundle (the layer's, natively or under qemu-user): the
 * bytecode beside the bundle is then exactly what that architecture's Bun generates.
 */
import { join } from "node:path"
import { bundle } from "./bundle.ts"

const [entry, name, outDir] = process.argv.slice(2)
if (!entry || !name || !outDir) throw new Error("usage: bun bundle-cli.ts <entry> <name> <outDir>")
const files = await bundle(entry, name)
// Bun.write creates the folders of nested names (node_modules/<package>/index.js).
for (const file of files) await Bun.write(join(outDir, file.name), file.data)
console.log(JSON.stringify({ arch: process.arch, version: Bun.version, files: files.map((f) => f.name) }))
