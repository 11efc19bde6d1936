import { resolve } from "node:path"
import { ExecutionEnvironment, type EnvironmentOptions } from "../../local/runtime-api/environment.ts"

export const BOOTSTRAP = resolve(import.meta.dir, "../../runtime/bootstrap")
export const FUNCTIONS = resolve(import.meta.dir, "../fixtures/functions")

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
