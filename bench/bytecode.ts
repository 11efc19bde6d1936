/**
 * bun bench/bytecode.ts [--runs 7] [--arch arm64|x86_64|all]
 *
 * How long each architecture's packaged Bun takes to load handler.js (require(), the bundle's whole
 * top level) with its bytecode and without it (the .jsc removed: what a silent fallback to parsing
 * costs), interleaved, side by side in one run. arm64 runs under qemu-user here, so only its ratio
 * means something, not its milliseconds. Each load's cache verdict is checked with JavaScriptCore's
 * own report, so a number is never from the wrong case.
 */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import type { Arch } from "../scripts/build/bun-binary.ts"
import { unpackArtefacts } from "../scripts/build/unpack.ts"
import { ENV } from "../src/config.ts"
import { fmt, median } from "./stats.ts"

const { values: args } = parseArgs({
  options: { runs: { type: "string", default: "7" }, arch: { type: "string", default: "all" } }
})
const runs = Number(args.runs)
const arches: Array<Arch> = args.arch === "all" ? ["x86_64", "arm64"] : [args.arch as Arch]
const root = resolve(import.meta.dir, "..")
const work = mkdtempSync(join(tmpdir(), "bench-bytecode-"))
process.on("exit", () => rmSync(work, { recursive: true, force: true }))

console.log(`building ${arches.join(" and ")}…`)
const archArgs = arches.length === 1 ? ["--arch", arches[0]!] : []
const built = Bun.spawnSync([process.execPath, "scripts/build.ts", "--out", join(work, "dist"), ...archArgs], {
  cwd: root,
  stderr: "pipe"
})
if (built.exitCode !== 0) throw new Error(`build failed: ${built.stderr.toString()}`)

// The probe times require() from inside the process, so process start-up (and qemu's) is left out.
const probe = join(work, "probe.cjs")
writeFileSync(probe, "const t = performance.now(); require(process.argv[2]); console.log(performance.now() - t)\n")
const env = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
  BUN_JSC_reportBytecodeCacheDecodeTimes: "1",
  [ENV.tableName]: "bench",
  [ENV.outputQueueUrl]: "http://127.0.0.1:1/out",
  [ENV.deadLetterQueueUrl]: "http://127.0.0.1:1/dlq",
  AWS_REGION: "us-east-1"
}

const rows: Array<Array<string>> = []
for (const arch of arches) {
  const fn = unpackArtefacts(join(work, "dist"), arch, join(work, arch))
  // Same bundle, no bytecode beside it.
  const bare = join(work, `${arch}-bare`)
  unpackArtefacts(join(work, "dist"), arch, bare)
  unlinkSync(join(bare, "task", "handler.js.jsc"))
  const bun = join(fn.bootstrap, "..", "bun")
  const load = (handler: string, expectDecoded: boolean) => {
    const run = Bun.spawnSync([bun, probe, handler], { env, stdout: "pipe", stderr: "pipe" })
    if (run.exitCode !== 0) throw new Error(`${arch}: loading ${handler} failed: ${run.stderr.toString()}`)
    const decoded = run.stderr.toString().includes(`decoded ${handler}`)
    if (decoded !== expectDecoded) {
      throw new Error(`${arch}: ${handler} was ${decoded ? "" : "not "}loaded from bytecode`)
    }
    return Number(run.stdout.toString().trim().split("\n").pop())
  }
  const cached: Array<number> = []
  const parsed: Array<number> = []
  load(join(fn.taskRoot, "handler.js"), true) // warm the page cache for both
  load(join(bare, "task", "handler.js"), false)
  for (let i = 0; i < runs; i++) {
    cached.push(load(join(fn.taskRoot, "handler.js"), true))
    parsed.push(load(join(bare, "task", "handler.js"), false))
  }
  const name = arch + (fn.emulated ? " (qemu-user)" : "")
  rows.push([name, fmt(median(cached), 1), fmt(median(parsed), 1), fmt(median(cached) / median(parsed), 2)])
}

console.log(`\nrequire("handler.js"), median of ${runs} interleaved runs each`)
console.log(["arch", "with bytecode ms", "parsing the source ms", "ratio"].join(" | "))
for (const row of rows) console.log(row.join(" | "))
