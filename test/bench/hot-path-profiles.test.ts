import { afterAll, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const ROOT = resolve(import.meta.dir, "../..")
const dir = mkdtempSync(join(tmpdir(), "hot-path-profiles-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// Fixed: a --cpu-prof directory holding an earlier run's Node.js profile made a Bun-only run print that profile as
// its own and then fail, pairing it with a Node.js result it did not have.
test("bench/hot-path.ts --cpu-prof reads only the profiles its own run wrote", async () => {
  const stale = "node-build0-add-round0.cpuprofile"
  writeFileSync(join(dir, stale), JSON.stringify({ nodes: [], samples: [], timeDeltas: [], startTime: 0, endTime: 0 }))
  const run = Bun.spawn(
    [
      process.execPath,
      "bench/hot-path.ts",
      ...["--runtimes", "bun", "--cases", "add", "--rounds", "1", "--invocations", "20", "--warmup", "5"],
      ...["--cpu-prof", dir]
    ],
    { cwd: ROOT, stdout: "pipe", stderr: "pipe" }
  )
  const [out, err, code] = await Promise.all([
    new Response(run.stdout).text(),
    new Response(run.stderr).text(),
    run.exited
  ])
  expect({ code, err: code === 0 ? "" : err }).toEqual({ code: 0, err: "" })
  expect(out).toContain("bun-build0-add-round0.cpuprofile")
  expect(out).not.toContain(stale)
}, 60_000)
