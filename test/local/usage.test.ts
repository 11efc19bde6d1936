import { describe, expect, test } from "bun:test"
import { resolve } from "node:path"
import { usageOf } from "../../local/flow/usage.ts"
import { IN_REGION_ROUND_TRIP_MS } from "../../local/proxy/aws-proxy.ts"
import { STACK_DEFAULTS } from "../../local/stack/defaults.ts"

const ROOT = resolve(import.meta.dir, "../..")

/** The value a usage line shows for `--flag`, as in `[--flag 10]`. */
const shown = (usage: string, flag: string) => new RegExp(`\\[--${flag} ([^\\]]+)\\]`).exec(usage)?.[1]

describe("a script's --help is its opening comment", () => {
  test("the comment's text, without its markers, and nothing of the code", () => {
    const help = usageOf(resolve(ROOT, "local/chaos/cli.ts"))
    expect(help.split("\n")[1]).toStartWith("bun run chaos [--messages 5000]")
    expect(help).toContain("Exits non-zero on any loss")
    expect(help).not.toMatch(/^ ?\*|\*\/|^import/m)
  })

  test("the defaults it shows are the sources' (the stack's settings, the simulated round trip)", () => {
    const chaos = usageOf(resolve(ROOT, "local/chaos/cli.ts"))
    const bench = usageOf(resolve(ROOT, "bench/lambda.ts"))
    const handlerBench = usageOf(resolve(ROOT, "bench/handler.ts"))
    expect(shown(chaos, "concurrency")).toBe(String(STACK_DEFAULTS.maximumConcurrency))
    expect(shown(bench, "concurrency")).toBe(String(STACK_DEFAULTS.maximumConcurrency))
    expect(shown(bench, "batch-size")).toBe(String(STACK_DEFAULTS.batchSize))
    expect(shown(bench, "latency")).toBe(String(IN_REGION_ROUND_TRIP_MS))
    expect(shown(handlerBench, "latency")).toBe(String(IN_REGION_ROUND_TRIP_MS))
    expect(shown(usageOf(resolve(ROOT, "bench/observability.ts")), "latency")).toBe(String(IN_REGION_ROUND_TRIP_MS))
  })
})
