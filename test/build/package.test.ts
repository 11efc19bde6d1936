import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { type LocalStack, startLocalStack } from "../../local/aws/local-stack.ts"
import { ExecutionEnvironment } from "../../local/runtime-api/environment.ts"
import { assertElfArch, locateBunBinary } from "../../scripts/build/bun-binary.ts"
import { bundleForArch } from "../../scripts/build/bundle-for-arch.ts"
import { LAZY_PACKAGES } from "../../scripts/build/stand-ins.ts"
import { unpackArtefacts } from "../../scripts/build/unpack.ts"
import { reproducibleZip, zipMembers } from "../../scripts/build/zip.ts"
import { expectMissingReadAnswered } from "../support/missing-read.ts"
import { artefacts, build, ROOT, scratch } from "./artefacts.ts"

// Builds the real artefacts (shared with bytecode.test.ts) and runs the packaged x86_64 layer and
// function on the local Runtime API; the arm64 ones run end to end in `npm run test:arm64`.
const ARCHES = ["arm64", "x86_64"] as const
const work = scratch()
let stack: LocalStack

const members = (zip: string) => zipMembers(new Uint8Array(readFileSync(join(artefacts().dist, zip))))
const printed = (output: string, name: string) =>
  output.match(new RegExp(`${name.replace(".", "\\.")}\\s.*sha256 (\\S+)`))?.[1]

beforeAll(async () => {
  artefacts()
  stack = await startLocalStack({ prefix: `pkg-${process.pid}` })
}, 180_000)

afterAll(async () => {
  await stack?.close()
  rmSync(join(work, "run-x86_64"), { recursive: true, force: true })
})

describe("bun run build", () => {
  test("prints each artefact's size; rebuilding what could vary gives the same bytes", async () => {
    const { output } = artefacts()
    for (const arch of ARCHES) {
      expect(output).toMatch(new RegExp(`function-${arch}\\.zip\\s+[\\d.]+ MB`))
      expect(output).toMatch(new RegExp(`layer-${arch}\\.zip\\s+[\\d.]+ MB`))
    }
    // A second whole build would deflate two 100 MB Bun binaries again (~12 s on one core) to show what
    // follows from the parts: a zip is a function of its entries only (sorted, fixed times and modes),
    // and the entries that are built rather than copied are the bundles, each by its architecture's Bun.
    const sha = (data: Uint8Array) => new Bun.CryptoHasher("sha256").update(data).digest("base64")
    const version: string = (await Bun.file(join(ROOT, "node_modules/bun/package.json")).json()).version
    for (const arch of ARCHES) {
      const bun = (await locateBunBinary(arch, version, ROOT, join(ROOT, ".cache"))).path
      const handler = await bundleForArch(arch, bun, version, join(ROOT, "src/handler.ts"), "handler.js", ROOT)
      expect(sha(reproducibleZip(handler))).toBe(printed(output, `function-${arch}.zip`)!)
      expect(sha(reproducibleZip([...handler].reverse()))).toBe(printed(output, `function-${arch}.zip`)!)
    }
  }, 120_000)

  test("each layer holds bootstrap, runtime and its architecture's Bun binary; each function its bundle", () => {
    for (const arch of ARCHES) {
      const layer = members(`layer-${arch}.zip`)
      expect(layer.map((m) => m.name).sort()).toEqual(["bootstrap", "bun", "runtime.js", "runtime.js.jsc"])
      expect(() => assertElfArch(layer.find((m) => m.name === "bun")!.read(), arch, arch)).not.toThrow()
      // Beside the bundle, the packages it loads only when needed (scripts/build/stand-ins.ts).
      const lazy = LAZY_PACKAGES.map((p) => `node_modules/${p}/index.js`)
      const names = members(`function-${arch}.zip`).map((m) => m.name).sort()
      expect(names).toEqual(["handler.js", "handler.js.jsc", ...lazy].sort())
    }
    // The same JavaScript for both; only the bytecode is each architecture's own.
    const source = (arch: string) =>
      Buffer.from(members(`function-${arch}.zip`).find((m) => m.name === "handler.js")!.read())
    expect(source("arm64").equals(source("x86_64"))).toBe(true)
  }, 20_000)

  test("the packaged x86_64 layer runs the packaged function against the emulators", async () => {
    const fn = unpackArtefacts(artefacts().dist, "x86_64", join(work, "run-x86_64"))
    const env = new ExecutionEnvironment({ ...fn, timeoutMs: 10_000, env: stack.functionEnv })
    try {
      await expectMissingReadAnswered(env, stack, "pkg-1")
    } finally {
      await env.stop()
    }
  }, 60_000)

  test("a second build into the same folder rebuilds nothing; changed inputs rebuild only their artefact", () => {
    const { dist, output } = artefacts()
    const second = build(dist)
    expect(second.match(/\(unchanged\)/g)).toHaveLength(4)
    // As if src/ had changed: the record no longer matches function-arm64.zip's inputs.
    const record = join(dist, ".build-cache.json")
    const entries = JSON.parse(readFileSync(record, "utf8"))
    const stale = { ...entries, "function-arm64.zip": { ...entries["function-arm64.zip"], key: "stale" } }
    writeFileSync(record, JSON.stringify(stale))
    const third = build(dist)
    expect(third).toMatch(/function-arm64\.zip .*sha256 \S+$/m)
    for (const name of ["layer-arm64", "function-x86_64", "layer-x86_64"]) {
      expect(third).toMatch(new RegExp(`${name}\\.zip .*\\(unchanged\\)$`, "m"))
    }
    const hashes = (out: string) => [...out.matchAll(/sha256 (\S+)/g)].map((m) => m[1])
    expect(hashes(third)).toEqual(hashes(output))
  }, 120_000)

  test("bun run invoke runs what ships by default, from the build cache", () => {
    const { dist } = artefacts()
    const command = [process.execPath, "local/invoke/cli.ts", "--dist", dist, "--json", "--concurrency", "2"]
    const run = Bun.spawnSync(command, {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe"
    })
    expect(run.exitCode).toBe(0)
    const out = JSON.parse(run.stdout.toString())
    expect(out.settings.function).toBe("packaged")
    expect(out.products).toHaveLength(3)
    expect(out.deadLetters).toHaveLength(1)
    expect(out.invocations.every((i: { status: string }) => i.status === "success")).toBe(true)
  }, 60_000)
})
