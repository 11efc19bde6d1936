/**
 * The environment runtime/bootstrap gives Bun for a memory size (its JavaScriptCore, allocator and GC
 * settings), for benchmarks that run the function in a process of their own rather than through the
 * layer. Keep in step with the bootstrap (the DFG tier at every size, never the FTL); `fullJit` leaves the FTL on too.
 */
export const layerEnv = (memoryMb: number, options: { readonly fullJit?: boolean } = {}): Record<string, string> => ({
  ...(options.fullJit
    ? {}
    : { BUN_JSC_useDFGJIT: "true", BUN_JSC_useFTLJIT: "false" }),
  BUN_JSC_forceRAMSize: String(memoryMb * 1_048_576),
  ...(memoryMb < 256 ? { BUN_JSC_useConcurrentJIT: "false" } : {}),
  MIMALLOC_PURGE_DELAY: "-1",
  BUN_GC_TIMER_DISABLE: "1",
  BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0"
})

/** A variant's `NAME=VALUE` settings (`--bun-variants`, `--variants`) as environment; a value may hold "=". */
export const settingsEnv = (settings: ReadonlyArray<string>): Record<string, string> =>
  Object.fromEntries(settings.map((s) => [s.slice(0, s.indexOf("=")), s.slice(s.indexOf("=") + 1)]))
