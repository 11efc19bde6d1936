import { describe, expect, test } from "bun:test"
import { existsSync, readFileSync } from "node:fs"
import { resolve } from "node:path"

const ROOT = resolve(import.meta.dir, "../..")
const PROBES = ["./test/suite/timeout-probe.ts", "./test/suite/timeout-probe-2.ts"]

/** The timeout `npm test` gives every test: the `--timeout` of its `bun test`. */
const configuredTimeoutMs = (): number | undefined => {
  const script = JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")).scripts.test as string
  const flag = /\bbun test\b.*--timeout[ =](\d+)/.exec(script)
  return flag ? Number(flag[1]) : undefined
}

/** `bun test --timeout` on the two probe files, from the repository root as `npm test` runs it. */
const probe = (timeoutMs: number, sleepMs: number) => {
  const run = Bun.spawnSync([process.execPath, "test", "--timeout", String(timeoutMs), ...PROBES], {
    cwd: ROOT,
    env: { ...process.env, PROBE_SLEEP_MS: String(sleepMs) },
    stdout: "pipe",
    stderr: "pipe"
  })
  return { exitCode: run.exitCode, output: run.stdout.toString() + run.stderr.toString() }
}

describe("the test timeout of `npm test`", () => {
  test("is set with `bun test --timeout`, above Bun's 5 s default", () => {
    // bunfig.toml's [test] timeout is ignored by Bun 1.4.5, and a preload's setDefaultTimeout reaches only
    // the first test file: neither may stand in for the flag.
    expect(configuredTimeoutMs()).toBeGreaterThan(5_000)
    const bunfig = resolve(ROOT, "bunfig.toml")
    if (existsSync(bunfig)) expect(readFileSync(bunfig, "utf8")).not.toMatch(/^\s*(timeout|preload)\s*=/m)
  })

  test("reaches every test file: past it, the tests of both files fail; within it, both pass", () => {
    const late = probe(300, 1_500)
    expect(late.output.match(/timed out after 300ms/g)?.length).toBe(2)
    expect(late.exitCode).not.toBe(0)
    const inTime = probe(3_000, 10)
    expect(inTime.output).toMatch(/\b2 pass\b/)
    expect(inTime.exitCode).toBe(0)
  }, 20_000)
})
