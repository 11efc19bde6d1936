import { describe, expect, test } from "bun:test"
import { reportLine } from "../../local/runtime-api/report.ts"
import { environments, payloadOf, RUNTIME_FIXTURES } from "./harness.ts"

// One test per row of the README table "Parity with the Node.js runtime", on the real bootstrap.
const start = environments({ taskRoot: RUNTIME_FIXTURES })

describe("uncaught exceptions and unhandled rejections", () => {
  test("an uncaught exception is logged and posted on the invocation, then the process exits: the next invocation is a cold start", async () => {
    const { env, lines } = start("parity.uncaught")
    const first = await env.invoke({}, { requestId: "req-uncaught" })
    expect(first).toMatchObject({ status: "error", error: { errorType: "Error", errorMessage: "thrown from a timer" } })
    expect(lines.some((l) => l.includes("Uncaught Exception") && l.includes("thrown from a timer"))).toBe(true)
    const second = await env.invoke({})
    expect(second.report.initDurationMs).toBeGreaterThan(0)
    expect(env.coldStarts).toBe(2)
  })

  test("an unhandled rejection is posted as Runtime.UnhandledPromiseRejection, then the process exits", async () => {
    const { env, lines } = start("parity.unhandled")
    const first = await env.invoke({})
    expect(first).toMatchObject({
      status: "error",
      error: { errorType: "Runtime.UnhandledPromiseRejection", errorMessage: "Error: nobody caught this" }
    })
    expect(lines.some((l) => l.includes("Unhandled Promise Rejection"))).toBe(true)
    await env.invoke({})
    expect(env.coldStarts).toBe(2)
  })

  test("a rejection nobody handles while the module loads is an init error", async () => {
    const result = await start("init-rejection.handler").env.invoke({})
    expect(result).toMatchObject({
      status: "init-error",
      error: { errorType: "Runtime.UnhandledPromiseRejection", errorMessage: "Error: rejected during init" }
    })
  })

  test("still an init error when the module finishes before the init error's round trip", async () => {
    // The runtime used to go on to /next once the module had loaded: about 1 start in 8 then ended
    // as a crash after init (exit 128). Ten starts, so that the race has its chances.
    for (let i = 0; i < 10; i++) {
      expect(await start("init-rejection-late.handler").env.invoke({})).toMatchObject({
        status: "init-error",
        error: { errorType: "Runtime.UnhandledPromiseRejection", errorMessage: "Error: rejected during init" }
      })
    }
  }, 60_000)
})

describe("handler resolution", () => {
  test("split at the first dot: nested export paths (a.b.c) and folders with dots", async () => {
    expect(payloadOf(await start("parity.api.v1.handler").env.invoke({}))).toBe("nested")
    expect(payloadOf(await start("dir.v2/mod.handler").env.invoke({}))).toBe("folder with a dot")
  })

  test("'..' and a name without a dot are Runtime.MalformedHandlerName", async () => {
    expect(await start("../fixtures/parity.plain").env.invoke({})).toMatchObject({
      status: "init-error",
      error: { errorType: "Runtime.MalformedHandlerName" }
    })
    expect(await start("nodot").env.invoke({})).toMatchObject({
      status: "init-error",
      error: { errorType: "Runtime.MalformedHandlerName", errorMessage: "Bad handler" }
    })
  })

  test("Runtime.ImportModuleError, Runtime.HandlerNotFound and Runtime.UserCodeSyntaxError", async () => {
    expect(await start("absent.handler").env.invoke({})).toMatchObject({
      status: "init-error",
      error: { errorType: "Runtime.ImportModuleError" },
      errorTypeHeader: "Runtime.ImportModuleError"
    })
    expect(await start("missing-dependency.handler").env.invoke({})).toMatchObject({
      status: "init-error",
      error: { errorType: "Runtime.ImportModuleError" }
    })
    expect(await start("parity.absent").env.invoke({})).toMatchObject({
      status: "init-error",
      error: { errorType: "Runtime.HandlerNotFound", errorMessage: "parity.absent is undefined or not exported" }
    })
    expect(await start("parity.notAFunction").env.invoke({})).toMatchObject({
      status: "init-error",
      error: { errorType: "Runtime.HandlerNotFound", errorMessage: "parity.notAFunction is not a function" }
    })
    expect(await start("syntax-error.handler").env.invoke({})).toMatchObject({
      status: "init-error",
      error: { errorType: "Runtime.UserCodeSyntaxError" }
    })
  })

  test(".ts handlers run (transpiled at each cold start); a .js file of the same name wins", async () => {
    expect(payloadOf(await start("only-ts.handler").env.invoke({}))).toBe("typescript")
    expect(payloadOf(await start("both.handler").env.invoke({}))).toBe("javascript")
  })
})

describe("handler styles", () => {
  test("Node.js 22 callbacks: the answer waits for the event loop to empty unless callbackWaitsForEmptyEventLoop is false", async () => {
    const { env, lines } = start("parity.callback")
    const waited = await env.invoke({ wait: true })
    expect(payloadOf(waited)).toHaveProperty("at")
    expect(waited.report.durationMs).toBeGreaterThanOrEqual(290)
    expect(lines.some((l) => l.includes("timer after the callback"))).toBe(true)
    const { env: quick } = start("parity.callback")
    await quick.invoke({ wait: false }) // cold start out of the way
    await Bun.sleep(400)
    const immediate = await quick.invoke({ wait: false })
    expect(payloadOf(immediate)).toHaveProperty("at")
    expect(immediate.report.durationMs).toBeLessThan(250)
  })

  test("context.succeed, context.fail and context.done answer at once", async () => {
    expect(payloadOf(await start("parity.succeed").env.invoke({}))).toBe("via succeed")
    expect(await start("parity.fail").env.invoke({})).toMatchObject({
      status: "error",
      error: { errorMessage: "via fail" }
    })
    const { env } = start("parity.done")
    expect(payloadOf(await env.invoke({}))).toBe("via done")
    expect(await env.invoke({ error: "done failed" })).toMatchObject({
      status: "error",
      error: { errorMessage: "done failed" }
    })
  })

  test("a synchronous handler's plain return value is the response (as Node.js 24)", async () => {
    expect(payloadOf(await start("parity.syncValue").env.invoke({ n: 4 }))).toEqual({ doubled: 8 })
  })

  test("a promise that never settles runs into the function's timeout", async () => {
    const result = await start("parity.neverSettles", { timeoutMs: 600 }).env.invoke({})
    expect(result).toMatchObject({ status: "timeout", error: { errorType: "Sandbox.Timedout" } })
    expect(reportLine(result.report)).toContain("Status: timeout")
  })
})

describe("context", () => {
  test("tenantId from Lambda-Runtime-Aws-Tenant-Id, also in JSON log lines", async () => {
    const { env, lines } = start("parity.context", { env: { AWS_LAMBDA_LOG_FORMAT: "JSON" } })
    expect(payloadOf(await env.invoke({}, { requestId: "req-tenant", tenantId: "tenant-7" }))).toMatchObject({
      tenantId: "tenant-7"
    })
    const line = lines.map((l) => JSON.parse(l)).find((o) => o.message === "tenant line")
    expect(line).toMatchObject({ requestId: "req-tenant", tenantId: "tenant-7" })
    expect(payloadOf(await env.invoke({})).tenantId).toBeNull()
  })

  test("client context and Cognito identity parsed; a malformed one fails that invocation only", async () => {
    const { env } = start("parity.context")
    const parsed = payloadOf(
      await env.invoke({}, { clientContext: { env: { a: "b" } }, cognitoIdentity: { cognitoIdentityId: "i" } })
    )
    expect(parsed).toMatchObject({ clientContext: { env: { a: "b" } }, identity: { cognitoIdentityId: "i" } })
    const bad = await env.invoke({}, { rawClientContext: "{not json" })
    expect(bad).toMatchObject({ status: "error", error: { errorType: "Error" } })
    expect(bad.status !== "success" && bad.error.errorMessage).toStartWith("Cannot parse ClientContext as json")
    expect(await env.invoke({}, { rawCognitoIdentity: "[" })).toMatchObject({ status: "error" })
    expect(payloadOf(await env.invoke({}))).toMatchObject({ clientContext: null })
    expect(env.coldStarts).toBe(1)
  })

  test("context.signal aborts at the deadline with a TimeoutError", async () => {
    const { env } = start("parity.signal")
    await env.start()
    const result = payloadOf(await env.invoke({}, { deadlineMs: Date.now() + 300 }))
    expect(result.reason).toBe("TimeoutError")
    expect(result.afterMs).toBeGreaterThanOrEqual(250)
    expect(result.remaining).toBe(0)
  })
})

test("errors carry Lambda-Runtime-Function-XRay-Error-Cause in the Node.js runtime's shape", async () => {
  const result = await start("parity.xray").env.invoke({})
  if (result.status === "success") throw new Error("expected an error")
  const cause = JSON.parse(result.xrayErrorCause!)
  expect(cause.working_directory).toBe(RUNTIME_FIXTURES)
  expect(cause.exceptions[0]).toMatchObject({ type: "TypeError", message: "for x-ray" })
  expect(cause.exceptions[0].stack[0]).toMatchObject({
    path: expect.stringContaining("parity.ts"),
    line: expect.any(Number)
  })
  expect(cause.paths.some((p: string) => p.endsWith("parity.ts"))).toBe(true)
})

describe("graceful shutdown", () => {
  test("a `__lambdaShutdown` export registers an internal extension, so SIGTERM comes and the hook runs", async () => {
    const { env, lines } = start("parity.remember")
    expect(payloadOf(await env.invoke({ marker: "m-7" }))).toBe("remembered")
    expect(await env.shutdown(3_000)).toBe(0)
    expect(lines.some((l) => l.includes("shutdown hook ran after m-7"))).toBe(true)
  })

  test("without the hook no extension is registered: Lambda (and the local API) kill the environment", async () => {
    const { env } = start("no-hooks.handler")
    expect(payloadOf(await env.invoke({}))).toBe("no hooks")
    expect(await env.shutdown(3_000)).toBeNull()
  })
})

test("lifecycle hooks have reserved names: a user's own `init` export is never called", async () => {
  expect(payloadOf(await start("parity.plain").env.invoke({}))).toBe("ok")
})
