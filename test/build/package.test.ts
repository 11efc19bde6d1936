import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { drainQueue } from "../../local/aws/inspect.ts"
import { startLocalStack, type LocalStack } from "../../local/aws/local-stack.ts"
import { ExecutionEnvironment } from "../../local/runtime-api/environment.ts"
import { assertElfArch } from "../../scripts/build/bun-binary.ts"
import { bundle } from "../../scripts/build/bundle.ts"
import { LAZY_PACKAGES } from "../../scripts/build/stand-ins.ts"
import { extractZip, reproducibleZip, zipMembers } from "../../scripts/build/zip.ts"

// Builds the real artefacts and runs the packaged layer + function on the local Runtime API.
const root = resolve(import.meta.dir, "../..")
const work = mkdtempSync(join(tmpdir(), "package-test-"))
const dist = join(work, "dist")
let stack: LocalStack

const build = () => {
  const run = Bun.spawnSync([process.execPath, "scripts/build.ts", "--out", dist], { cwd: root, stdout: "pipe", stderr: "pipe" })
  if (run.exitCode !== 0) throw new Error(`build failed: ${run.stderr.toString()}`)
  return run.stdout.toString()
}

const extract = (zip: string, into: string) => extractZip(new Uint8Array(readFileSync(zip)), into)

let firstOutput = ""
beforeAll(async () => {
  firstOutput = build()
  stack = await startLocalStack({ prefix: `pkg-${process.pid}` })
}, 180_000)

afterAll(async () => {
  await stack?.close()
  rmSync(work, { recursive: true, force: true })
})

describe("bun run build", () => {
  test("prints each artefact's size; rebuilding what could vary gives the same bytes", async () => {
    expect(firstOutput).toMatch(/function\.zip\s+[\d.]+ MB/)
    expect(firstOutput).toMatch(/layer-arm64\.zip\s+[\d.]+ MB/)
    expect(firstOutput).toMatch(/layer-x86_64\.zip\s+[\d.]+ MB/)
    // A second whole build would deflate two 100 MB Bun binaries again (~12 s on one core) to show what
    // follows from the parts: a zip is a function of its entries only (sorted, fixed times and modes),
    // and the entries that are built rather than copied are the bundles.
    const sha = (data: Uint8Array) => new Bun.CryptoHasher("sha256").update(data).digest("base64")
    const printed = (name: string) => firstOutput.match(new RegExp(`${name.replace(".", "\\.")}\\s.*sha256 (\\S+)`))?.[1]
    const handler = await bundle(join(root, "src/handler.ts"), "handler.js")
    expect(sha(reproducibleZip(handler))).toBe(printed("function.zip")!)
    expect(sha(reproducibleZip([...handler].reverse()))).toBe(printed("function.zip")!)
    const runtime = await bundle(join(root, "runtime/src/main.ts"), "runtime.js")
    const layer = zipMembers(new Uint8Array(readFileSync(join(dist, "layer-x86_64.zip"))))
    for (const file of runtime) expect(sha(layer.find((m) => m.name === file.name)!.read())).toBe(sha(file.data))
  }, 30_000)

  test("each layer holds bootstrap, runtime and the Bun binary of its own architecture", () => {
    for (const arch of ["arm64", "x86_64"] as const) {
      const members = zipMembers(new Uint8Array(readFileSync(join(dist, `layer-${arch}.zip`))))
      expect(members.map((m) => m.name).sort()).toEqual(["bootstrap", "bun", "runtime.js", "runtime.js.jsc"])
      expect(() => assertElfArch(members.find((m) => m.name === "bun")!.read(), arch, arch)).not.toThrow()
    }
    // Beside the bundle, the packages it loads only when needed (scripts/build/stand-ins.ts).
    const lazy = LAZY_PACKAGES.map((p) => `node_modules/${p}/index.js`)
    const fn = extract(join(dist, "function.zip"), join(work, "inspect-fn"))
    expect(fn).toEqual(["handler.js", "handler.js.jsc", ...lazy].sort())
  }, 20_000)

  test("the packaged x86_64 layer runs the packaged function against the emulators", async () => {
    const opt = join(work, "opt")
    const task = join(work, "task")
    extract(join(dist, "layer-x86_64.zip"), opt)
    extract(join(dist, "function.zip"), task)
    const env = new ExecutionEnvironment({ bootstrap: join(opt, "bootstrap"), taskRoot: task, handler: "handler.handler", timeoutMs: 10_000, env: stack.functionEnv })
    try {
      const event = { Records: [{ messageId: "pkg-1", body: `{"pk":"none"}`, attributes: { SentTimestamp: "1700000000000" } }] }
      const result = await env.invoke(event)
      expect(result.status).toBe("success")
      expect(result.status === "success" && JSON.parse(result.payload)).toEqual({ batchItemFailures: [] })
      const out = await drainQueue(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
      expect(out.map((m) => m.MessageAttributes?.outcome?.StringValue)).toEqual(["not_found"])
    } finally {
      await env.stop()
    }
  }, 60_000)
  test("a second build into the same folder rebuilds nothing; changed inputs rebuild only their artefact", async () => {
    const second = build()
    expect(second.match(/\(unchanged\)/g)).toHaveLength(3)
    // As if src/ had changed: the record no longer matches function.zip's inputs.
    const record = join(dist, ".build-cache.json")
    const entries = JSON.parse(readFileSync(record, "utf8"))
    writeFileSync(record, JSON.stringify({ ...entries, "function.zip": { ...entries["function.zip"], key: "stale" } }))
    const third = build()
    expect(third).toMatch(/function\.zip .*sha256 \S+$/m)
    expect(third).toMatch(/layer-arm64\.zip .*\(unchanged\)$/m)
    expect(third).toMatch(/layer-x86_64\.zip .*\(unchanged\)$/m)
    const hashes = (out: string) => [...out.matchAll(/sha256 (\S+)/g)].map((m) => m[1])
    expect(hashes(third)).toEqual(hashes(firstOutput))
  }, 60_000)

  test("bun run invoke runs what ships by default, from the build cache", () => {
    const run = Bun.spawnSync([process.execPath, "local/invoke/cli.ts", "--dist", dist, "--json", "--concurrency", "2"], {
      cwd: root,
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
