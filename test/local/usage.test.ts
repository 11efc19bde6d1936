import { describe, expect, test } from "bun:test"
import { resolve } from "node:path"
import { usageOf } from "../../local/flow/usage.ts"

const ROOT = resolve(import.meta.dir, "../..")

describe("a script's --help is its opening comment", () => {
  test("the comment's text, without its markers, and nothing of the code", () => {
    const help = usageOf(resolve(ROOT, "local/chaos/cli.ts"))
    expect(help.split("\n")[1]).toStartWith("bun run chaos [--messages 5000]")
    expect(help).toContain("Exits non-zero on any loss")
    expect(help).not.toMatch(/^ ?\*|\*\/|^import/m)
  })
})
