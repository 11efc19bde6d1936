import { describe, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { layerEnv, settingsEnv } from "../../bench/layer-env.ts"

// Every literal default the bootstrap gives (`: "${NAME:=value}"`), so that a setting added there
// and not here fails this test instead of skewing the in-process benchmarks.
const bootstrapDefaults = (): Map<string, string> => {
  const text = readFileSync(new URL("../../runtime/bootstrap", import.meta.url), "utf8")
  const found = new Map<string, string>()
  for (const [, name, value] of text.matchAll(/\$\{(\w+):=([^}$]*)\}/g)) found.set(name!, value!)
  return found
}

describe("layerEnv", () => {
  test("carries every literal default of runtime/bootstrap, with the same value", () => {
    const defaults = bootstrapDefaults()
    expect(defaults.size).toBeGreaterThanOrEqual(5)
    const env = layerEnv(128)
    for (const [name, value] of defaults) expect({ name, value: env[name] }).toEqual({ name, value })
  })

  test("the DFG tier at every size, as the bootstrap has it (no memory threshold), the FTL off at every size", () => {
    const text = readFileSync(new URL("../../runtime/bootstrap", import.meta.url), "utf8")
    expect(text).not.toMatch(/MEMORY_SIZE:-0\}" -ge \d+ \]; then\n\s*: "\$\{BUN_JSC_useDFGJIT/)
    for (const mb of [128, 256, 512, 1024, 3072]) {
      expect(layerEnv(mb)).toMatchObject({ BUN_JSC_useDFGJIT: "true", BUN_JSC_useFTLJIT: "false" })
    }
  })

  test("sizes the heap to the memory and keeps concurrent JIT from 256 MB, as the bootstrap does", () => {
    expect(layerEnv(1024).BUN_JSC_forceRAMSize).toBe(String(1024 * 1_048_576))
    expect(layerEnv(1024).BUN_JSC_useConcurrentJIT).toBeUndefined()
    expect(layerEnv(1024, { fullJit: true }).BUN_JSC_useDFGJIT).toBeUndefined()
  })

  test("settingsEnv: a variant's NAME=VALUE settings, a value keeping its own '='", () => {
    expect(settingsEnv(["BUN_GC_TIMER_DISABLE=0", "OPTS=a=b", "EMPTY="])).toEqual({
      BUN_GC_TIMER_DISABLE: "0",
      OPTS: "a=b",
      EMPTY: ""
    })
  })
})
