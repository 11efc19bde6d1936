import { statSync } from "node:fs"
import { resolve } from "node:path"
import { RuntimeError } from "./error-body.ts"

export type Handler = (
  event: unknown,
  context: unknown,
  callback?: (error?: unknown, result?: unknown) => void
) => unknown

/**
 * Lifecycle hooks are exports under reserved names that a function's own exports cannot collide
 * with by accident (`init` or `shutdown` are common names; these are not).
 */
const INIT_HOOK = "__lambdaInit"
const SHUTDOWN_HOOK = "__lambdaShutdown"

export interface LoadedHandler {
  readonly handler: Handler
  /** A callback-style handler: three parameters and not an async function (Node.js 22's test). */
  readonly callbackStyle: boolean
  /** Awaited before the first invocation, as part of init. */
  readonly init: (() => unknown) | undefined
  /** Awaited on SIGTERM so the function can release what it holds. */
  readonly shutdown: (() => unknown) | undefined
}

/** Tried in this order, as the Node.js runtime does, then `.ts` (Bun runs TypeScript itself). */
const EXTENSIONS = ["", ".js", ".mjs", ".cjs", ".ts"]

const isFile = (path: string) => {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** "dir/sub/module.a.b" → ["dir/sub/", "module", "a.b"]: the module name ends at the first dot of the last segment. */
export const splitHandler = (
  spec: string
): { readonly moduleRoot: string; readonly module: string; readonly path: string } => {
  if (spec.includes("..")) {
    throw new RuntimeError(
      "Runtime.MalformedHandlerName",
      `'${spec}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`
    )
  }
  const slash = spec.lastIndexOf("/")
  const moduleRoot = spec.slice(0, slash + 1)
  const name = spec.slice(slash + 1)
  const dot = name.indexOf(".")
  if (dot < 0) throw new RuntimeError("Runtime.MalformedHandlerName", "Bad handler")
  return { moduleRoot, module: name.slice(0, dot), path: name.slice(dot + 1) }
}

const findIn = (root: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>(
    (nested, key) => (nested !== null && (typeof nested === "object" || typeof nested === "function")
      ? (nested as Record<string, unknown>)[key]
      : undefined),
    root
  )

const isModuleNotFound = (e: unknown) => {
  const code = (e as { code?: unknown } | null)?.code
  return code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND"
}

const isAsyncFunction = (f: unknown) => typeof f === "function" && f.constructor?.name === "AsyncFunction"

/** Resolves `_HANDLER` under the task root and imports it, reporting failures as the Node.js runtime does. */
export const loadHandler = async (spec: string | undefined, taskRoot: string): Promise<LoadedHandler> => {
  if (!spec) throw new RuntimeError("Runtime.HandlerNotFound", "_HANDLER is not set")
  const { moduleRoot, module, path } = splitHandler(spec)
  const base = resolve(taskRoot, moduleRoot, module)
  const file = EXTENSIONS.map((ext) => base + ext).find(isFile)
  if (!file) throw new RuntimeError("Runtime.ImportModuleError", `Error: Cannot find module '${moduleRoot}${module}'`)
  let loaded: Record<string, unknown>
  try {
    loaded = (await import(file)) as Record<string, unknown>
  } catch (e) {
    if (e instanceof SyntaxError) {
      throw Object.assign(new RuntimeError("Runtime.UserCodeSyntaxError", String(e)), { stack: e.stack })
    }
    // Bun reports a module it cannot parse as a BuildMessage, not a SyntaxError.
    if ((e as { name?: unknown } | null)?.name === "BuildMessage") {
      throw new RuntimeError("Runtime.UserCodeSyntaxError", `SyntaxError: ${(e as { message?: unknown }).message}`)
    }
    if (isModuleNotFound(e)) throw new RuntimeError("Runtime.ImportModuleError", String(e))
    throw e // a throw at load keeps its own type: it is the init error
  }
  const lookup = (p: string) => findIn(loaded, p) ?? findIn(loaded.default, p)
  const handler = lookup(path)
  if (handler === undefined || handler === null) {
    throw new RuntimeError("Runtime.HandlerNotFound", `${spec} is undefined or not exported`)
  }
  if (typeof handler !== "function") throw new RuntimeError("Runtime.HandlerNotFound", `${spec} is not a function`)
  const hook = (name: string) => {
    const f = lookup(name)
    return typeof f === "function" ? (f as () => unknown) : undefined
  }
  return {
    handler: handler as Handler,
    callbackStyle: handler.length >= 3 && !isAsyncFunction(handler),
    init: hook(INIT_HOOK),
    shutdown: hook(SHUTDOWN_HOOK)
  }
}
