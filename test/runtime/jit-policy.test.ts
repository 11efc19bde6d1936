import { describe, expect, test } from "bun:test"
import { environments, payloadOf, RUNTIME_FIXTURES } from "./harness.ts"

// Not frozen when idle: the environment is frozen at the runtime's next GET /next (as Lambda does), and a
// compile its JIT thread had not finished by then (a loaded machine, one core) stays frozen with it, its
// report line with it: the wait below then ran out at 5 s. What is tested is the tier-up policy, not freezing.
const start = environments({ taskRoot: RUNTIME_FIXTURES, freeze: false })
// JavaScriptCore prints a line per function its baseline JIT compiles.
const REPORT = { BUN_JSC_reportBaselineCompileTimes: "true" }
const compiled = (lines: ReadonlyArray<string>, name: string) =>
  lines.some((l) => l.includes(`Optimized ${name}#`) && l.includes("using Baseline"))
// The baseline JIT compiles on its own thread: the line comes when it is done, maybe after the answer
// (seconds after it on a loaded machine).
const compiledSoon = async (lines: ReadonlyArray<string>, name: string) => {
  for (let waited = 0; waited < 5_000 && !compiled(lines, name); waited += 20) await Bun.sleep(20)
  return compiled(lines, name)
}

describe("JIT policy: run-once init code stays in the interpreter, invocations tier up as usual", () => {
  test("a function called 120 times during init is not compiled; during an invocation it is", async () => {
    const { env, lines } = start("jit-policy.handler", { env: REPORT })
    expect(payloadOf(await env.invoke({}))).toBe(240)
    expect(await compiledSoon(lines, "duringInvocation")).toBe(true)
    expect(compiled(lines, "duringInit")).toBe(false)
  }, 15_000)

  test("BUN_INIT_JIT_POLICY=1 keeps the normal policy during init", async () => {
    const { env, lines } = start("jit-policy.handler", { env: { ...REPORT, BUN_INIT_JIT_POLICY: "1" } })
    expect(payloadOf(await env.invoke({}))).toBe(240)
    expect(await compiledSoon(lines, "duringInvocation")).toBe(true)
    expect(await compiledSoon(lines, "duringInit")).toBe(true)
  }, 15_000)
})
