/**
 * JavaScriptCore's tier-up thresholds are multiplied by this during init, and set back to normal
 * before the first invocation. Init runs most of its code once (module bodies, client
 * construction, priming): compiling it with the baseline JIT cost more than it saved.
 */
export const INIT_JIT_POLICY = 8

type SetPolicy = (scale: number) => void

const bunSetPolicy = (): SetPolicy | undefined => {
  const set = (globalThis as { Bun?: { unsafe?: { setJITPolicy?: SetPolicy } } }).Bun?.unsafe?.setJITPolicy
  return typeof set === "function" ? set : undefined
}

/**
 * Applies the init policy (BUN_INIT_JIT_POLICY overrides it; 1 turns it off) and returns what
 * restores the normal one. A Bun without Bun.unsafe.setJITPolicy keeps its policy throughout.
 */
export const initJitPolicy = (
  env: Readonly<Record<string, string | undefined>>,
  setPolicy: SetPolicy | undefined = bunSetPolicy()
): () => void => {
  // An empty variable counts as unset, as for the function's own settings.
  const configured = Number(env.BUN_INIT_JIT_POLICY?.trim() || INIT_JIT_POLICY)
  if (!setPolicy || !Number.isFinite(configured) || configured <= 1) return () => {}
  setPolicy(configured)
  let restored = false
  return () => {
    if (restored) return
    restored = true
    setPolicy(1)
  }
}
