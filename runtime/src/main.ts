import { errorBody } from "./error-body.ts"
import { loadHandler } from "./handler-loader.ts"
import { InvocationLoop } from "./invocation-loop.ts"
import { installConsole, logSettingsFromEnv } from "./logging.ts"
import { RuntimeApi } from "./runtime-api.ts"

// Entry point of the Bun custom runtime (started by ./bootstrap). No top-level await: the layer
// ships this bundled as CommonJS with Bun bytecode, which starts faster.

const fatal = (error: unknown): never => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  process.exit(1)
}

const main = async () => {
  const host = process.env.AWS_LAMBDA_RUNTIME_API
  if (!host) fatal("AWS_LAMBDA_RUNTIME_API is not set: this runtime must be started by Lambda (or the local Runtime API)")
  const api = new RuntimeApi(host!)
  let loop: InvocationLoop | undefined
  installConsole(logSettingsFromEnv(), () => loop?.requestId())

  let loaded: Awaited<ReturnType<typeof loadHandler>>
  try {
    loaded = await loadHandler(process.env._HANDLER, process.env.LAMBDA_TASK_ROOT ?? process.cwd())
  } catch (e) {
    console.error(e)
    await api.initError(errorBody(e)).catch(() => undefined)
    return process.exit(1)
  }
  const running = new InvocationLoop(api, loaded.handler)
  loop = running

  // Failures outside the handler's promise chain still belong to the invocation in flight.
  process.on("unhandledRejection", (reason) => {
    if (!running.failCurrent(reason, "Runtime.UnhandledPromiseRejection")) console.error("Unhandled rejection outside an invocation:", reason)
  })
  process.on("uncaughtException", (error) => {
    if (!running.failCurrent(error, "Runtime.UncaughtException")) console.error("Uncaught exception outside an invocation:", error)
  })

  // SIGTERM: answer the invocation in flight, let the function release what it holds, then exit.
  process.once("SIGTERM", async () => {
    await running.stop()
    try {
      await loaded.shutdown?.()
    } catch (e) {
      console.error("shutdown failed:", e)
    }
    process.exit(0)
  })

  await running.run()
}

main().catch(fatal)
