import { errorBody } from "./error-body.ts"
import { loadHandler } from "./handler-loader.ts"
import { InvocationLoop } from "./invocation-loop.ts"
import { installConsole, logSettingsFromEnv } from "./logging.ts"
import { RuntimeApi } from "./runtime-api.ts"

// Entry point of the Bun custom runtime (started by ./bootstrap).
const host = process.env.AWS_LAMBDA_RUNTIME_API
if (!host) {
  process.stderr.write("AWS_LAMBDA_RUNTIME_API is not set: this runtime must be started by Lambda (or the local Runtime API)\n")
  process.exit(1)
}
const api = new RuntimeApi(host)
let loop: InvocationLoop | undefined
installConsole(logSettingsFromEnv(), () => loop?.requestId())

const fatal = async (error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  process.exit(1)
}

let loaded: Awaited<ReturnType<typeof loadHandler>>
try {
  loaded = await loadHandler(process.env._HANDLER, process.env.LAMBDA_TASK_ROOT ?? process.cwd())
} catch (e) {
  console.error(e)
  await api.initError(errorBody(e)).catch(() => undefined)
  process.exit(1)
}

loop = new InvocationLoop(api, loaded.handler)

// Failures outside the handler's promise chain still belong to the invocation in flight.
process.on("unhandledRejection", (reason) => {
  if (!loop?.failCurrent(reason, "Runtime.UnhandledPromiseRejection")) console.error("Unhandled rejection outside an invocation:", reason)
})
process.on("uncaughtException", (error) => {
  if (!loop?.failCurrent(error, "Runtime.UncaughtException")) console.error("Uncaught exception outside an invocation:", error)
})

// SIGTERM: answer the invocation in flight, let the function release its resources, then exit.
process.once("SIGTERM", async () => {
  await loop?.stop()
  try {
    await loaded.shutdown?.()
  } catch (e) {
    console.error("shutdown failed:", e)
  }
  process.exit(0)
})

await loop.run().catch(fatal)
