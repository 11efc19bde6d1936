import { errorBody, safeString } from "./error-body.ts"
import { type LoadedHandler, loadHandler } from "./handler-loader.ts"
import { InvocationLoop } from "./invocation-loop.ts"
import { initJitPolicy } from "./jit-policy.ts"
import { installConsole, logSettingsFromEnv, makeLogger, writeLineSync } from "./logging.ts"
import { clientKindFromEnv, RuntimeApi } from "./runtime-api.ts"
import { concurrentScope, singleScope } from "./scope.ts"

// Entry point of the Bun custom runtime (started by ./bootstrap). No top-level await: the layer
// ships this bundled as CommonJS with Bun bytecode, which starts faster.

/** Node's wrapper for a rejection reason, so the report says what kind of failure it was. */
class UnhandledPromiseRejection extends Error {
  override name = "Runtime.UnhandledPromiseRejection"
}

const fatal = (error: unknown): never => {
  writeLineSync(`${error instanceof Error ? error.stack ?? error.message : safeString(error)}\n`, 2)
  process.exit(1)
}

/** AWS_LAMBDA_MAX_CONCURRENCY: set by Lambda Managed Instances; absent (1) on classic Lambda. */
const concurrencyFromEnv = () => {
  const n = Number.parseInt(process.env.AWS_LAMBDA_MAX_CONCURRENCY ?? "", 10)
  return Number.isFinite(n) && n > 1 ? n : 1
}

const main = async () => {
  const normalJitPolicy = initJitPolicy(process.env)
  const host = process.env.AWS_LAMBDA_RUNTIME_API
  if (!host) {
    fatal("AWS_LAMBDA_RUNTIME_API is not set: this runtime must be started by Lambda (or the local Runtime API)")
  }
  const api = new RuntimeApi(host!, undefined, clientKindFromEnv(process.env))
  const concurrency = concurrencyFromEnv()
  const scope = concurrency > 1 ? concurrentScope() : singleScope()
  if (concurrency > 1) delete process.env._X_AMZN_TRACE_ID // per invocation only, never process-wide
  const logger = makeLogger(logSettingsFromEnv(), () => {
    const current = scope.current()
    return current && { requestId: current.requestId, tenantId: current.tenantId }
  })
  installConsole(logger)

  let loop: InvocationLoop | undefined
  // Node.js 22: an uncaught exception or unhandled rejection is logged, reported on the invocation
  // in flight (or as the init error), then the process exits, so the next invocation starts clean.
  // Only the first is reported. Once it is under way, init does not go on to ask for an invocation:
  // a /next overtaking the init error's round trip made Lambda see a crash after init instead.
  let crashing: Promise<void> | undefined
  const crash = (title: string, error: unknown, code: number) =>
    crashing ??= (async () => {
      logger.logError(title, error)
      try {
        if (!loop) await api.initError(errorBody(error))
        else {
          loop.halt() // no new /next: the next invocation must go to a fresh environment
          await Promise.all(loop.inFlight().map((served) => served.fail(error)))
        }
      } finally {
        process.exit(code)
      }
    })()
  process.on("uncaughtException", (error) => void crash("Uncaught Exception", error, 129).catch(fatal))
  process.on(
    "unhandledRejection",
    (reason) =>
      void crash("Unhandled Promise Rejection", new UnhandledPromiseRejection(safeString(reason)), 128).catch(fatal)
  )

  let loaded: LoadedHandler
  try {
    loaded = await loadHandler(process.env._HANDLER, process.env.LAMBDA_TASK_ROOT ?? process.cwd())
    // Node.js 22 on Managed Instances refuses callback handlers: their "empty event loop" has no meaning there.
    if (loaded.callbackStyle && concurrency > 1) {
      throw Object.assign(
        new Error("callback-based function handlers cannot serve concurrent invocations: use an async handler"),
        { name: "Runtime.CallbackHandlerDeprecated" }
      )
    }
    // The extension registers while the function's own init runs: its round trip costs no init time.
    const armed = loaded.shutdown
      ? import("./extension.ts").then(({ registerShutdownExtension }) => registerShutdownExtension(host!))
        .catch((e) => logger.logError("Shutdown hook not armed: extension registration failed", e))
      : undefined
    await loaded.init?.()
    await armed
  } catch (e) {
    logger.logError("Init Error", e)
    await api.initError(errorBody(e)).catch(() => undefined)
    return process.exit(1)
  }
  if (crashing) return crashing // it ends the process
  normalJitPolicy() // the invocations' code tiers up as usual
  const running = new InvocationLoop(api, loaded, logger, scope, { concurrency, traceEnv: concurrency === 1 }, fatal)
  loop = running
  process.on("beforeExit", () => running.emptyEventLoop())

  // SIGTERM (sent at shutdown when an extension is registered): answer the invocations in flight,
  // let the function release what it holds, then exit.
  process.once("SIGTERM", async () => {
    await running.stop()
    try {
      await loaded.shutdown?.()
    } catch (e) {
      logger.logError("Shutdown Error", e)
    }
    process.exit(0)
  })

  await running.run()
}

main().catch(fatal)
