import { afterEach } from "bun:test"
import { resolve } from "node:path"
import { type EnvironmentOptions, ExecutionEnvironment } from "../../local/runtime-api/environment.ts"

// RUNTIME_BOOTSTRAP: an unpacked layer's bootstrap instead of the checkout's (npm run test:arm64: under qemu-user).
export const BOOTSTRAP = process.env.RUNTIME_BOOTSTRAP ?? resolve(import.meta.dir, "../../runtime/bootstrap")
const FUNCTIONS = resolve(import.meta.dir, "../fixtures/functions")
/** Fixtures of the runtime's own tests. */
export const RUNTIME_FIXTURES = resolve(import.meta.dir, "fixtures")

/** An execution environment running the real bootstrap over the test handlers; collects log lines. */
export const environment = (handler: string, options: Partial<EnvironmentOptions> = {}) => {
  const lines: Array<string> = []
  const env = new ExecutionEnvironment({
    bootstrap: BOOTSTRAP,
    taskRoot: FUNCTIONS,
    handler,
    functionName: "conformance",
    memorySizeMb: 256,
    timeoutMs: 5_000,
    onLog: (line) => void lines.push(line),
    ...options
  })
  return { env, lines }
}

/** `environment`, stopped after each test of the file that calls it. */
export const environments = (defaults: Partial<EnvironmentOptions> = {}) => {
  const open: Array<ExecutionEnvironment> = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((e) => e.stop()))
  })
  return (handler: string, options: Partial<EnvironmentOptions> = {}) => {
    const e = environment(handler, { ...defaults, ...options })
    open.push(e.env)
    return e
  }
}

export const payloadOf = (r: { status: string; payload?: string }) => {
  if (r.status !== "success") throw new Error(`expected success, got ${JSON.stringify(r).slice(0, 2000)}`)
  return JSON.parse(r.payload!)
}
