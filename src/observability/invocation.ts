// Lambda's invoke store (Node.js runtimes with concurrent invocations): the trace header per invocation.
type WithInvokeStore = {
  readonly awslambda?: { readonly InvokeStore?: { readonly getXRayTraceId?: () => string | undefined } }
}

/**
 * This invocation's X-Ray header, read when it starts: from Lambda's invoke store where a runtime
 * runs invocations concurrently, else from `_X_AMZN_TRACE_ID`, which a one-at-a-time runtime sets
 * before each invocation. Never cached: every invocation has its own.
 */
export const invocationTraceHeader = (): string | undefined =>
  (globalThis as WithInvokeStore).awslambda?.InvokeStore?.getXRayTraceId?.() ?? process.env._X_AMZN_TRACE_ID
