import { describe, expect, test } from "bun:test"
import { environments, payloadOf, RUNTIME_FIXTURES } from "./harness.ts"

// Lambda Managed Instances: AWS_LAMBDA_MAX_CONCURRENCY invocations at once in one environment.
const start = environments({ taskRoot: RUNTIME_FIXTURES, maxConcurrency: 4 })
const trace = (n: number) => `Root=1-5759e988-bd862e3fe1be46a99427279${n};Parent=53995c3f42cd8ad${n};Sampled=1`

describe("Managed Instances mode", () => {
  test("concurrent invocations each keep their own request id, trace id and tenant; log lines interleave with their own ids", async () => {
    const { env, lines } = start("concurrent.work")
    await env.start()
    const started = performance.now()
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        env.invoke({ ms: 300 }, { requestId: `req-${i}`, traceId: trace(i), tenantId: `tenant-${i}` })
      )
    )
    const wall = performance.now() - started
    expect(wall).toBeLessThan(4 * 300) // they ran at once, not one after another
    results.forEach((r, i) => {
      expect(payloadOf(r)).toMatchObject({
        requestId: `req-${i}`,
        tenantId: `tenant-${i}`,
        storeRequestId: `req-${i}`,
        storeTraceId: trace(i),
        processTraceId: null
      })
    })
    expect(Math.max(...results.map((r) => payloadOf(r).peak))).toBe(4)
    for (let i = 0; i < 4; i++) {
      for (const word of ["start", "end"]) {
        const line = lines.find((l) => l.endsWith(`\t${word} req-${i}`))
        expect(line?.split("\t")[1]).toBe(`req-${i}`)
      }
    }
    // Interleaved: every invocation started before the first one ended.
    const firstEnd = lines.findIndex((l) => l.includes("\tend req-"))
    expect(lines.filter((l, i) => i < firstEnd && l.includes("\tstart req-")).length).toBe(4)
    expect(env.coldStarts).toBe(1)
  })

  test("never more than AWS_LAMBDA_MAX_CONCURRENCY at once: the runtime polls /next that many times", async () => {
    const { env } = start("concurrent.work", { maxConcurrency: 2 })
    await env.start()
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => env.invoke({ ms: 150 }, { requestId: `r${i}` }))
    )
    expect(Math.max(...results.map((r) => payloadOf(r).peak))).toBe(2)
  })

  test("errors and timeouts of some invocations leave the others and the environment alone", async () => {
    const { env, lines } = start("concurrent.work", { timeoutMs: 1_000, env: { AWS_LAMBDA_LOG_FORMAT: "JSON" } })
    await env.start()
    const [ok, failed, hung, ok2] = await Promise.all([
      env.invoke({ ms: 200 }, { requestId: "ok-1" }),
      env.invoke({ ms: 100, fail: true }, { requestId: "fails" }),
      env.invoke({ ms: 0, hang: true }, { requestId: "hangs" }),
      env.invoke({ ms: 300 }, { requestId: "ok-2" })
    ])
    expect(payloadOf(ok).requestId).toBe("ok-1")
    expect(payloadOf(ok2).requestId).toBe("ok-2")
    expect(failed).toMatchObject({ status: "error", error: { errorMessage: "failed fails" } })
    expect(hung).toMatchObject({ status: "timeout", error: { errorType: "Sandbox.Timedout" } })
    const invokeError = lines.map((l) => JSON.parse(l)).find((o) => o.level === "ERROR")
    expect(invokeError).toMatchObject({ requestId: "fails", message: { errorMessage: "failed fails" } })
    // The environment survives the timeout and keeps serving.
    expect(payloadOf(await env.invoke({ ms: 10 }, { requestId: "after" })).requestId).toBe("after")
    expect(env.coldStarts).toBe(1)
  })

  test("an uncaught exception fails every invocation in flight, then the environment restarts", async () => {
    const { env } = start("concurrent.crash")
    await env.start()
    const results = await Promise.all([
      env.invoke({ crash: true, ms: 500 }),
      env.invoke({ ms: 500 }),
      env.invoke({ ms: 500 })
    ])
    for (const r of results) {
      expect(r).toMatchObject({ status: "error", error: { errorMessage: "uncaught in a concurrent environment" } })
    }
    await env.whenExited()
    expect(payloadOf(await env.invoke({ ms: 1 }))).toBe("survived")
    expect(env.coldStarts).toBe(2)
  })

  test("callback handlers are an init error, as on Node.js 22 with Managed Instances", async () => {
    expect(await start("concurrent.callback").env.invoke({})).toMatchObject({
      status: "init-error",
      error: { errorType: "Runtime.CallbackHandlerDeprecated" }
    })
  })

  test("classic mode (no AWS_LAMBDA_MAX_CONCURRENCY) keeps the process-wide _X_AMZN_TRACE_ID, as Lambda's runtimes do", async () => {
    const { env } = start("concurrent.work", { maxConcurrency: 1 })
    expect(payloadOf(await env.invoke({ ms: 1 }, { traceId: trace(5) }))).toMatchObject({
      processTraceId: trace(5),
      peak: 1
    })
  })

  test(
    "the process is kept alive while any handler runs, one after another and at once, even with nothing else pending",
    async () => {
      // The handlers wait on unref'd timers: without the runtime's keep-alive the process would exit mid-invocation.
      const classic = start("concurrent.unrefWait", { maxConcurrency: 1 }).env
      for (const id of ["a", "b", "c"]) expect(payloadOf(await classic.invoke({ ms: 30 }, { requestId: id }))).toBe(id)
      const { env } = start("concurrent.unrefWait", { maxConcurrency: 2 })
      await env.start()
      for (const round of [0, 1]) {
        const ids = [`r${round}-short`, `r${round}-long`]
        const results = await Promise.all([
          env.invoke({ ms: 20 }, { requestId: ids[0] }),
          env.invoke({ ms: 120 }, { requestId: ids[1] })
        ])
        expect(results.map(payloadOf)).toEqual(ids)
      }
      expect(env.coldStarts).toBe(1)
    },
    10_000
  )
})
