import { existsSync } from "node:fs"
import { join } from "node:path"
import { RuntimeError } from "./error-body.ts"

export type Handler = (event: unknown, context: unknown, callback?: (error?: unknown, result?: unknown) => void) => unknown

export interface LoadedHandler {
  readonly handler: Handler
  /** Optional `shutdown` export: awaited on SIGTERM so the function can release what it holds. */
  readonly shutdown: (() => unknown) | undefined
}

const EXTENSIONS = [".js", ".mjs", ".cjs", ".ts"]

/** Resolves `_HANDLER` ("path/file.export") under the task root and imports it, as the Node.js runtime does. */
export const loadHandler = async (spec: string | undefined, taskRoot: string): Promise<LoadedHandler> => {
  if (!spec) throw new RuntimeError("Runtime.HandlerNotFound", "_HANDLER is not set")
  const dot = spec.lastIndexOf(".")
  if (dot <= 0 || dot === spec.length - 1) throw new RuntimeError("Runtime.MalformedHandlerName", `bad handler '${spec}': expected FILE.EXPORT`)
  const modulePath = spec.slice(0, dot)
  const exportName = spec.slice(dot + 1)
  const file = EXTENSIONS.map((ext) => join(taskRoot, modulePath + ext)).find((f) => existsSync(f))
  if (!file) throw new RuntimeError("Runtime.ImportModuleError", `Cannot find module '${modulePath}' in ${taskRoot}`)
  // A throw while loading the module propagates with its own type: it becomes the init error.
  const module = (await import(file)) as Record<string, unknown>
  const handler = module[exportName] ?? (module.default as Record<string, unknown> | undefined)?.[exportName]
  if (typeof handler !== "function") {
    throw new RuntimeError("Runtime.HandlerNotFound", `${modulePath}.${exportName} is undefined or not exported`)
  }
  // Optional `init` export, awaited before the first invocation: asynchronous set-up that belongs to
  // init, for CommonJS bundles, which cannot use top-level await. A rejection is an init error.
  const init = module.init ?? (module.default as Record<string, unknown> | undefined)?.init
  if (typeof init === "function") await init()
  const shutdown = module.shutdown ?? (module.default as Record<string, unknown> | undefined)?.shutdown
  return { handler: handler as Handler, shutdown: typeof shutdown === "function" ? (shutdown as () => unknown) : undefined }
}
