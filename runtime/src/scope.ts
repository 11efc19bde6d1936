import type { Invocation } from "./invocation.ts"

/** Which invocation the code running now belongs to: for log lines, error reports and trace ids. */
export interface InvocationScope {
  /** Runs `fn` (and everything it starts) as part of `invocation`. */
  run<T>(invocation: Invocation, fn: () => T): T
  current(): Invocation | undefined
  /** The invocation has been answered. */
  end(invocation: Invocation): void
}

/** One invocation at a time: a variable is enough, and costs nothing at start. */
export const singleScope = (): InvocationScope => {
  let current: Invocation | undefined
  return {
    run: (invocation, fn) => {
      current = invocation
      return fn()
    },
    current: () => current,
    end: (invocation) => {
      if (current === invocation) current = undefined
    }
  }
}

/** The keys under which the Node.js runtime's InvokeStore (@aws/lambda-invoke-store) keeps an invocation. */
const KEYS = {
  REQUEST_ID: Symbol.for("_AWS_LAMBDA_REQUEST_ID"),
  X_RAY_TRACE_ID: Symbol.for("_AWS_LAMBDA_X_RAY_TRACE_ID"),
  TENANT_ID: Symbol.for("_AWS_LAMBDA_TENANT_ID")
}
const INVOCATION = Symbol("invocation")
type Store = Record<PropertyKey, unknown>

/**
 * Many invocations at once (Lambda Managed Instances): each one's state lives in its own async
 * context. AsyncLocalStorage is loaded here only, so a classic environment never pays for it.
 * The store is also published as `globalThis.awslambda.InvokeStore`, the interface the Node.js
 * runtime offers and the AWS SDK reads its per-invocation X-Ray trace id from, since the
 * process-wide `_X_AMZN_TRACE_ID` cannot belong to one invocation.
 */
export const concurrentScope = (publishInvokeStore = true): InvocationScope => {
  const { AsyncLocalStorage } = require("node:async_hooks") as typeof import("node:async_hooks")
  const storage = new AsyncLocalStorage<Store>()
  if (publishInvokeStore && !["1", "true"].includes(process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA ?? "")) {
    const protectedKeys = Object.values(KEYS) as Array<PropertyKey>
    const get = (key: PropertyKey) => storage.getStore()?.[key]
    const global = globalThis as { awslambda?: Record<string, unknown> }
    global.awslambda ??= {}
    global.awslambda.InvokeStore = {
      getContext: () => storage.getStore(),
      hasContext: () => storage.getStore() !== undefined,
      get,
      set: (key: PropertyKey, value: unknown) => {
        if (protectedKeys.includes(key)) throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`)
        const store = storage.getStore()
        if (!store) throw new Error("No context available")
        store[key] = value
      },
      run: <T>(context: Store, fn: () => T) => storage.run(context, fn),
      isProtectedKey: (key: PropertyKey) => protectedKeys.includes(key),
      getRequestId: () => get(KEYS.REQUEST_ID) ?? "-",
      getXRayTraceId: () => get(KEYS.X_RAY_TRACE_ID),
      getTenantId: () => get(KEYS.TENANT_ID),
      getTraceparent: () => undefined,
      getTracestate: () => undefined,
      getBaggage: () => undefined
    }
  }
  return {
    run: (invocation, fn) =>
      storage.run({
        [INVOCATION]: invocation,
        [KEYS.REQUEST_ID]: invocation.requestId,
        [KEYS.X_RAY_TRACE_ID]: invocation.traceId,
        [KEYS.TENANT_ID]: invocation.tenantId
      }, fn),
    current: () => storage.getStore()?.[INVOCATION] as Invocation | undefined,
    end: () => {}
  }
}
