import { describe, expect, test } from "bun:test"
import { HELP, OPTIONS, parseInvokeArgs, UsageError } from "../../local/invoke/options.ts"
import { STACK_DEFAULTS } from "../../local/stack/defaults.ts"

describe("bun run invoke options", () => {
  test("with none: the demonstration on what ships, with the stack's defaults", () => {
    expect(parseInvokeArgs([])).toEqual({
      event: undefined,
      messages: undefined,
      memoryMb: STACK_DEFAULTS.memorySizeMb,
      concurrency: STACK_DEFAULTS.maximumConcurrency,
      perEnvironment: 1,
      batchSize: STACK_DEFAULTS.batchSize,
      batchingWindowSeconds: STACK_DEFAULTS.batchingWindowSeconds,
      timeoutSeconds: STACK_DEFAULTS.functionTimeoutSeconds,
      source: false,
      dist: "dist",
      arch: undefined,
      verbose: false,
      trace: false,
      activeTracing: false,
      json: false,
      help: false
    })
  })

  test("--source runs from source; values are parsed and range-checked", () => {
    expect(parseInvokeArgs(["--source", "--messages", "500", "--memory", "256"]))
      .toMatchObject({ source: true, messages: 500, memoryMb: 256 })
    expect(parseInvokeArgs(["--batching-window", "2", "--batch-size", "500"]))
      .toMatchObject({ batchSize: 500, batchingWindowSeconds: 2 })
    expect(() => parseInvokeArgs(["--batch-size", "500"]))
      .toThrow(new UsageError("--batch-size must be a whole number from 1 to 10, got 500"))
    expect(() => parseInvokeArgs(["--memory", "64"])).toThrow(UsageError)
    expect(() => parseInvokeArgs(["--packaged"])).toThrow(UsageError)
    expect(parseInvokeArgs(["--per-environment", "8"])).toMatchObject({ perEnvironment: 8 })
    expect(() => parseInvokeArgs(["--per-environment", "0"])).toThrow(UsageError)
  })

  test("--arch picks the packaged layer's architecture; not with --source", () => {
    expect(parseInvokeArgs(["--arch", "arm64"])).toMatchObject({ arch: "arm64", source: false })
    expect(parseInvokeArgs(["--arch", "x86_64"]).arch).toBe("x86_64")
    expect(() => parseInvokeArgs(["--arch", "aarch64"]))
      .toThrow(new UsageError("--arch must be arm64 or x86_64, got aarch64"))
    expect(() => parseInvokeArgs(["--arch", "arm64", "--source"])).toThrow(UsageError)
  })

  test("--active-tracing: Lambda's sampled trace header, with or without --trace", () => {
    expect(parseInvokeArgs(["--active-tracing"])).toMatchObject({ activeTracing: true, trace: false })
    expect(parseInvokeArgs(["--active-tracing", "--trace"])).toMatchObject({ activeTracing: true, trace: true })
  })

  test("the help text lists every option, with its default", () => {
    for (const name of Object.keys(OPTIONS)) expect(HELP).toMatch(new RegExp(`^  --${name}\\b`, "m"))
    expect(HELP).toContain(`--memory MB`)
    expect(HELP).toContain(`(default ${STACK_DEFAULTS.memorySizeMb})`)
  })
})
