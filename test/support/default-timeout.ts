/**
 * The suite's timeout policy, preloaded by bunfig.toml for every `bun test` run (Bun ignores
 * `[test] timeout` there, and `bun test --timeout` is overridden by this preload).
 *
 * A test that passes in well under a second gets this default: room for a loaded single core, and a
 * hang still fails in seconds rather than minutes. A test that is legitimately slow (it builds,
 * drives an emulator through many calls or waits on SQS visibility timeouts) sets its own timeout,
 * the third argument of test(), next to the reason. TEST_TIMEOUT_MS raises the default on a slow machine.
 */
import { setDefaultTimeout } from "bun:test"

export const DEFAULT_TEST_TIMEOUT_MS = 15_000

const configured = process.env.TEST_TIMEOUT_MS
const timeoutMs = configured === undefined ? DEFAULT_TEST_TIMEOUT_MS : Number(configured)
if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
  throw new Error(`TEST_TIMEOUT_MS must be a positive whole number of milliseconds, got "${configured}"`)
}
setDefaultTimeout(timeoutMs)
