import { describe, expect, test } from "bun:test"
import { resolve } from "node:path"
import { DEFAULT_TEST_TIMEOUT_MS } from "../support/default-timeout.ts"

const ROOT = resolve(import.meta.dir, "../..")

/** `bun test` from the repository root, as `npm test` and a user run it, on the probe file only. */
const probe = (timeoutMs: number, sleepMs: number) => {
  const run = Bun.spawnSync([process.execPath, "test", "./test/suite/timeout-probe.ts"], {
    cwd: ROOT,
    env: { ...process.env, TEST_TIMEOUT_MS: String(timeoutMs), PROBE_SLEEP_MS: String(sleepMs) },
    stdout: "pipe",
    stderr: "pipe"
  })
  return { exitCode: run.exitCode, output: run.stdout.toString() + run.stderr.toString() }
}

describe("the default test timeout (bunfig.toml preload)", () => {
  test("is applied to a plain `bun test` run: a test past it fails, one within it passes", () => {
    const late = probe(300, 1_500)
    expect(late.output).toContain("timed out after 300ms")
    expect(late.exitCode).not.toBe(0)
    expect(probe(3_000, 10).exitCode).toBe(0)
  }, 20_000)

  test("is longer than Bun's own 5 s, which bunfig.toml's [test] timeout does not change", async () => {
    expect(DEFAULT_TEST_TIMEOUT_MS).toBeGreaterThan(5_000)
    const bunfig = await Bun.file(resolve(ROOT, "bunfig.toml")).text()
    expect(bunfig).not.toMatch(/^\s*timeout\s*=/m)
    expect(bunfig).toMatch(/^preload = \["\.\/test\/support\/default-timeout\.ts"\]$/m)
  })
})
