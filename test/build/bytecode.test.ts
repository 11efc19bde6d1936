import { afterAll, describe, expect, test } from "bun:test"
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { basename, join } from "node:path"
import { ExecutionEnvironment } from "../../local/runtime-api/environment.ts"
import type { Arch } from "../../scripts/build/bun-binary.ts"
import { unpackArtefacts, type UnpackedFunction } from "../../scripts/build/unpack.ts"
import { ENV } from "../../src/config.ts"
import { artefacts, scratch } from "./artefacts.ts"

// JavaScriptCore accepts a .jsc only if its cache version, its checksums and the source it was made
// from all match; otherwise Bun parses the source instead, silently. Two of JSC's own options make
// the verdict visible (Bun's test suite relies on them too): verboseDiskCache prints a hit or a miss
// per top-level code block, reportBytecodeCacheDecodeTimes names each file whose bytecode was used.
const REPORT = { BUN_JSC_verboseDiskCache: "1", BUN_JSC_reportBytecodeCacheDecodeTimes: "1" }
// Init reads its settings but makes no AWS call: these never need to answer.
const CONFIG = {
  [ENV.tableName]: "products",
  [ENV.outputQueueUrl]: "http://127.0.0.1:9/out",
  [ENV.deadLetterQueueUrl]: "http://127.0.0.1:9/dlq"
}

/** Cold-starts the packaged function once; returns the files whose bytecode was used, and the misses. */
const coldStart = async (fn: UnpackedFunction) => {
  const lines: Array<string> = []
  const onLog = (line: string) => void lines.push(line)
  const env = new ExecutionEnvironment({ ...fn, timeoutMs: 30_000, onLog, env: { ...CONFIG, ...REPORT } })
  try {
    const result = await env.invoke({ Records: [] })
    expect(result.status).toBe("success")
  } finally {
    await env.stop()
  }
  const decoded = lines
    .flatMap((l) => /^BytecodeCache: decoded (\S+) /.exec(l)?.[1] ?? [])
    .map((p) => `${basename(join(p, ".."))}/${basename(p)}`)
  return { decoded: decoded.sort(), hits: lines.filter((l) => l.includes("[Disk Cache] Cache hit")).length }
}

/** Each architecture's layer and function, unpacked once (a layer holds a 100 MB binary). */
const unpackedFunctions = new Map<Arch, UnpackedFunction>()
const unpacked = (arch: Arch) => {
  const fn = unpackedFunctions.get(arch) ?? unpackArtefacts(artefacts().dist, arch, join(scratch(), `bytecode-${arch}`))
  unpackedFunctions.set(arch, fn)
  return fn
}

afterAll(() => {
  for (const arch of ["x86_64", "arm64"]) {
    for (const dir of [`bytecode-${arch}`, `spoiled-${arch}`]) {
      rmSync(join(scratch(), dir), { recursive: true, force: true })
    }
  }
})

describe.each(["x86_64", "arm64"] as const)("bytecode cache on %s", (arch: Arch) => {
  test(`the packaged ${arch} Bun loads runtime.js and handler.js from their bytecode, not from source`, async () => {
    const fn = unpacked(arch)
    const { decoded, hits } = await coldStart(fn)
    expect(decoded).toEqual(["opt/runtime.js", "task/handler.js"])
    expect(hits).toBe(2)
  }, 120_000)

  test(`when JavaScriptCore rejects ${arch}'s handler.js.jsc, the check sees the fallback (it can fail)`, async () => {
    // The same layer; a copy of the function whose handler.js.jsc has one byte flipped.
    const fn = { ...unpacked(arch), taskRoot: join(scratch(), `spoiled-${arch}`) }
    cpSync(unpacked(arch).taskRoot, fn.taskRoot, { recursive: true })
    const jsc = join(fn.taskRoot, "handler.js.jsc")
    const bytes = readFileSync(jsc)
    const middle = bytes.length >> 1 // past every header: only the checksum can tell
    bytes[middle] = bytes[middle]! ^ 0xff
    writeFileSync(jsc, bytes)
    const { decoded, hits } = await coldStart(fn)
    expect(decoded).toEqual(["opt/runtime.js"])
    expect(hits).toBe(1)
  }, 120_000)
})
