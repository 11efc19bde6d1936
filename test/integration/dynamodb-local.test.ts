import { describe, expect, test } from "bun:test"
import { resolve } from "node:path"

const cli = resolve(import.meta.dir, "../../local/dynamodb-local/cli.ts")

describe("npm run test:dynamodb-local", () => {
  test("without Java it fails loudly, saying what is missing, and runs nothing", () => {
    const run = Bun.spawnSync([process.execPath, cli], {
      env: { ...process.env, PATH: "/nonexistent" },
      stdout: "pipe",
      stderr: "pipe"
    })
    expect(run.exitCode).toBe(2)
    expect(run.stderr.toString()).toContain("java is not on the PATH: DynamoDB Local needs Java 17 or later")
    expect(run.stdout.toString()).not.toContain("bun test")
  })
})
