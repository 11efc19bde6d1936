import { describe, expect, test } from "bun:test"
import { INIT_JIT_POLICY, initJitPolicy } from "../../../runtime/src/jit-policy.ts"

const recorder = () => {
  const calls: Array<number> = []
  return { calls, set: (scale: number) => void calls.push(scale) }
}

describe("initJitPolicy", () => {
  test("scales the thresholds for init; the returned function restores the normal policy once", () => {
    const { calls, set } = recorder()
    const restore = initJitPolicy({}, set)
    expect(calls).toEqual([INIT_JIT_POLICY])
    restore()
    restore()
    expect(calls).toEqual([INIT_JIT_POLICY, 1])
  })

  test("BUN_INIT_JIT_POLICY overrides the scale; 1, below 1 or not a number leaves the policy alone", () => {
    const chosen = recorder()
    initJitPolicy({ BUN_INIT_JIT_POLICY: "32" }, chosen.set)()
    expect(chosen.calls).toEqual([32, 1])
    for (const value of ["1", "0.5", "-3", "abc", "Infinity"]) {
      const { calls, set } = recorder()
      initJitPolicy({ BUN_INIT_JIT_POLICY: value }, set)()
      expect(calls).toEqual([])
    }
    const empty = recorder()
    initJitPolicy({ BUN_INIT_JIT_POLICY: " " }, empty.set)()
    expect(empty.calls).toEqual([INIT_JIT_POLICY, 1])
  })

  // Bun.unsafe.setJITPolicy itself swapped for the test (passing `undefined` would pick the default parameter,
  // which is Bun's own function).
  const withBunPolicy = (replacement: ((scale: number) => void) | undefined, run: () => void) => {
    const unsafe = Bun.unsafe as { setJITPolicy: ((scale: number) => void) | undefined }
    const original = unsafe.setJITPolicy
    unsafe.setJITPolicy = replacement
    try {
      run()
    } finally {
      unsafe.setJITPolicy = original
    }
  }

  test("by default it sets Bun's own policy: raised for init, then back to 1", () => {
    const { calls, set } = recorder()
    withBunPolicy(set, () => initJitPolicy({})())
    expect(calls).toEqual([INIT_JIT_POLICY, 1])
  })

  test("a Bun without Bun.unsafe.setJITPolicy: nothing to set, nothing to restore", () => {
    withBunPolicy(undefined, () => {
      const restore = initJitPolicy({})
      expect(() => restore()).not.toThrow()
    })
  })

  test("this Bun has it", () => {
    expect(typeof Bun.unsafe.setJITPolicy).toBe("function")
  })
})
