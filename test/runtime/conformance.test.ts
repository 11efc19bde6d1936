import { afterEach, describe, expect, test } from "bun:test"
import { resolve } from "node:path"
import type { ExecutionEnvironment } from "../../local/runtime-api/environment.ts"
import { reportLine } from "../../local/runtime-api/report.ts"
import { ENV } from "../../src/config.ts"
import { environment } from "./harness.ts"

const open: Array<ExecutionEnvironment> = []
const start = (...args: Parameters<typeof environment>) => {
  const e = environment(...args)
  open.push(e.env)
  return e
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.stop()))
})

const payloadOf = (r: { status: string; payload?: string }) => {
  if (r.status !== "success") throw new Error(`expected success, got ${JSON.stringify(r)}`)
  return JSON.parse(r.payload!)
}

describe("bootstrap on the local Runtime API", () => {
  test("async and plain-value handlers answer; undefined becomes null; the environment stays warm", async () => {
    const { env } = start("handlers.echo")
    const first = await env.invoke({ hello: "world" })
    expect(payloadOf(first)).toEqual({ hello: "world" })
    expect(first.report.initDurationMs).toBeGreaterThan(0)
    const second = await env.invoke([1, 2, 3])
    expect(payloadOf(second)).toEqual([1, 2, 3])
    expect(second.report.initDurationMs).toBeUndefined()
    expect(env.coldStarts).toBe(1)

    const { env: plain } = start("handlers.plain")
    expect(payloadOf(await plain.invoke({ n: 21 }))).toEqual({ doubled: 42 })
    const { env: nothing } = start("handlers.nothing")
    expect(payloadOf(await nothing.invoke({}))).toBeNull()
  })

  test("the context has every field of the Node.js runtime; headers and trace id come through", async () => {
    const { env } = start("handlers.context", { timeoutMs: 4_000 })
    const result = payloadOf(
      await env.invoke({}, {
        requestId: "req-ctx",
        traceId: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        clientContext: { client: { app_title: "t" }, env: { a: "b" } },
        cognitoIdentity: { cognitoIdentityId: "id-1", cognitoIdentityPoolId: "pool-1" },
        invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:conformance:live"
      })
    )
    expect(result).toMatchObject({
      awsRequestId: "req-ctx",
      functionName: "conformance",
      functionVersion: "$LATEST",
      invokedFunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:conformance:live",
      memoryLimitInMB: "256",
      logGroupName: "/aws/lambda/conformance",
      identity: { cognitoIdentityId: "id-1", cognitoIdentityPoolId: "pool-1" },
      clientContext: { client: { app_title: "t" }, env: { a: "b" } },
      callbackWaitsForEmptyEventLoop: true,
      traceId: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    })
    expect(result.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/)
    expect(result.remaining).toBeGreaterThan(3_000)
    expect(result.remaining).toBeLessThanOrEqual(4_000)
    // The next invocation without a trace header must not inherit the previous trace id.
    expect(payloadOf(await env.invoke({})).traceId).toBeNull()
  })

  test("a thrown error is reported with its type, message and stack, in the body and the header", async () => {
    const { env } = start("handlers.throws")
    const result = await env.invoke({})
    expect(result.status).toBe("error")
    if (result.status === "success") return
    expect(result.error.errorType).toBe("TypeError")
    expect(result.error.errorMessage).toBe("bad thing")
    expect(result.error.stackTrace!.length).toBeGreaterThan(0)
    expect(result.errorTypeHeader).toBe("TypeError")
    // The loop survives and serves the next invocation.
    expect((await env.invoke({})).status).toBe("error")
    expect(env.coldStarts).toBe(1)
  })

  test("a synchronous throw, a rejected non-Error and an unhandled rejection are all reported on their invocation", async () => {
    const sync = await start("handlers.throwsSync").env.invoke({})
    expect(sync).toMatchObject({ status: "error", error: { errorType: "RangeError", errorMessage: "sync failure" } })
    const str = await start("handlers.rejectsString").env.invoke({})
    expect(str).toMatchObject({
      status: "error",
      error: { errorType: "string", errorMessage: "just a string", stackTrace: [] },
      errorTypeHeader: "string"
    })
    const { env } = start("handlers.unhandled")
    const stray = await env.invoke({})
    expect(stray).toMatchObject({
      status: "error",
      error: { errorType: "Runtime.UnhandledPromiseRejection", errorMessage: "Error: stray rejection" }
    })
  })

  test("callback-style handlers answer through the callback", async () => {
    const { env } = start("handlers.callback")
    expect(payloadOf(await env.invoke({}))).toEqual({ via: "callback" })
    expect(await env.invoke({ fail: true })).toMatchObject({
      status: "error",
      error: { errorMessage: "callback failure" }
    })
  })

  test(
    "events of any size arrive whole: sized below 2 KB, chunked above, as Lambda's Go server sends them",
    async () => {
      const { env } = start("handlers.echo")
      for (const size of [10, 3_000, 2_500_000]) {
        const event = { text: "é".repeat(size) }
        expect(payloadOf(await env.invoke(event))).toEqual(event)
      }
    },
    20_000
  )

  test("responses over 6 MB and unserialisable responses are errors, not empty successes", async () => {
    const big = await start("handlers.big").env.invoke({})
    expect(big).toMatchObject({ status: "error", error: { errorType: "Runtime.ResponseSizeTooLarge" } })
    const circular = await start("handlers.circular").env.invoke({})
    expect(circular).toMatchObject({ status: "error", error: { errorType: "Runtime.SerializationError" } })
  })

  test("a handler that hangs past its timeout is killed; the next invocation is a fresh cold start", async () => {
    const { env } = start("handlers.hang", { timeoutMs: 500 })
    await env.start() // time the invocation, not the cold start (seconds under qemu-user)
    const started = Date.now()
    const result = await env.invoke({})
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(result).toMatchObject({ status: "timeout", error: { errorType: "Sandbox.Timedout" } })
    expect(reportLine(result.report)).toContain("Status: timeout")
    const again = await env.invoke({})
    expect(again.status).toBe("timeout")
    expect(again.report.initDurationMs).toBeGreaterThan(0)
    expect(env.coldStarts).toBe(2)
  }, 20_000)

  test("a missing module, a missing export and a throw at load are init errors; the process exits", async () => {
    const missingFile = await start("nope.handler").env.invoke({})
    expect(missingFile).toMatchObject({
      status: "init-error",
      error: { errorType: "Runtime.ImportModuleError" },
      errorTypeHeader: "Runtime.ImportModuleError"
    })
    const missingExport = await start("handlers.missing").env.invoke({})
    expect(missingExport).toMatchObject({ status: "init-error", error: { errorType: "Runtime.HandlerNotFound" } })
    const throwsAtLoad = await start("init-throws.handler").env.invoke({})
    expect(throwsAtLoad).toMatchObject({
      status: "init-error",
      error: { errorType: "Runtime.UserCodeSyntaxError", errorMessage: "SyntaxError: broken module" }
    })
    const malformed = await start("nodot").env.invoke({})
    expect(malformed).toMatchObject({ status: "init-error", error: { errorType: "Runtime.MalformedHandlerName" } })
  })

  test("an `__lambdaInit` export is awaited before the first invocation, and counts as init; its rejection is an init error", async () => {
    const { env } = start("with-init.handler")
    const first = await env.invoke({})
    expect(payloadOf(first)).toEqual({ initialised: true })
    expect(first.report.initDurationMs).toBeGreaterThanOrEqual(50)
    const failing = await start("with-init.handler", { env: { INIT_FAILS: "1" } }).env.invoke({})
    expect(failing).toMatchObject({
      status: "init-error",
      error: { errorType: "RangeError", errorMessage: "could not initialise" }
    })
  })

  test("a runtime that exits mid-invocation is reported as Runtime.ExitError", async () => {
    const result = await start("handlers.exits").env.invoke({})
    expect(result).toMatchObject({ status: "crash", error: { errorType: "Runtime.ExitError" } })
    expect(result.status !== "success" && result.error.errorMessage).toContain("exit status 3")
  })

  test("text logs: timestamp, request id and level per line; multi-line messages stay one line; INFO filters DEBUG", async () => {
    const { env, lines } = start("handlers.logs", { env: { AWS_LAMBDA_LOG_LEVEL: "INFO" } })
    await env.invoke({}, { requestId: "req-log" })
    const ours = lines.filter((l) => l.includes("req-log"))
    expect(ours.find((l) => l.includes("plain info"))).toMatch(
      /^\d{4}-\d{2}-\d{2}T[\d:.]+Z\treq-log\tINFO\tplain info$/
    )
    expect(ours.find((l) => l.includes("careful"))).toContain("\tWARN\tcareful\rsecond line")
    expect(ours.some((l) => l.includes("\tERROR\t") && l.includes("logged error"))).toBe(true)
    expect(lines.some((l) => l.includes("debug detail"))).toBe(false)
  })

  test("JSON logs with AWS_LAMBDA_LOG_FORMAT=JSON; AWS_LAMBDA_LOG_LEVEL=DEBUG shows debug; errors carry their fields", async () => {
    const { env, lines } = start("handlers.logs", {
      env: { AWS_LAMBDA_LOG_FORMAT: "JSON", AWS_LAMBDA_LOG_LEVEL: "DEBUG" }
    })
    await env.invoke({}, { requestId: "req-json" })
    const objects = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
    expect(objects.find((o) => o.message === "plain info")).toMatchObject({ level: "INFO", requestId: "req-json" })
    expect(objects.find((o) => o.message === "debug detail")).toMatchObject({ level: "DEBUG" })
    expect(objects.find((o) => o.level === "WARN").message).toBe("careful\nsecond line")
    // One argument is logged as a value, as the Node.js runtime does: an Error becomes an object.
    expect(objects.find((o) => o.level === "ERROR").message).toMatchObject({
      errorType: "Error",
      errorMessage: "logged error"
    })
    expect(typeof objects[0].timestamp).toBe("string")

    const { env: warnOnly, lines: warnLines } = start("handlers.logs", {
      env: { AWS_LAMBDA_LOG_FORMAT: "JSON", AWS_LAMBDA_LOG_LEVEL: "WARN" }
    })
    await warnOnly.invoke({})
    const levels = warnLines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l).level)
    expect(levels).toEqual(["WARN", "ERROR"])
  })

  test("SIGTERM lets the invocation in flight finish, runs the function's `__lambdaShutdown` hook and exits 0", async () => {
    const { env, lines } = start("handlers.slow")
    await env.start() // SIGTERM must find the invocation running, not the cold start (seconds under qemu-user)
    const running = env.invoke({ ms: 300, marker: "m-1" })
    await Bun.sleep(100)
    const exit = env.shutdown(3_000)
    const result = await running
    expect(payloadOf(result)).toBe("slow done")
    expect(await exit).toBe(0)
    expect(lines.some((l) => l.includes("shutdown hook ran for m-1"))).toBe(true)
  })

  test(
    "a Runtime API that answers 500 makes the runtime exit at once, without retrying (spec: exit promptly)",
    async () => {
      let polls = 0
      let answered = 0
      const down = start("handlers.echo", {
        server: {
          intercept: (req) => {
            if (!req.url.endsWith("/invocation/next")) return undefined
            polls++
            answered = Date.now()
            return new Response("down", { status: 500 })
          }
        }
      })
      const result = await down.env.invoke({})
      expect(result.status).toBe("init-error")
      expect(polls).toBe(1)
      // From the 500 to the exit, not from the spawn: a cold start under qemu-user takes seconds.
      expect(Date.now() - answered).toBeLessThan(2_000)
      expect(down.lines.join("\n")).toContain("answered 500")
    },
    20_000
  )

  test("an event that is not JSON is reported as an error on its invocation", async () => {
    const { env } = start("handlers.echo")
    const result = await env.invoke("{not json")
    expect(result).toMatchObject({ status: "error", error: { errorType: "Runtime.MalformedInvocation" } })
    expect(payloadOf(await env.invoke({ still: "alive" }))).toEqual({ still: "alive" })
  })

  test("REPORT lines carry duration, billed duration, memory size and max memory used", async () => {
    const { env } = start("handlers.echo", { memorySizeMb: 512 })
    const { report } = await env.invoke({})
    const line = reportLine(report)
    expect(line).toMatch(
      /^REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 512 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms$/
    )
    expect(report.maxMemoryUsedMb).toBeGreaterThan(10)
    expect(report.billedDurationMs).toBeGreaterThanOrEqual(Math.floor(report.durationMs + report.initDurationMs!))
  })

  test(
    "JavaScriptCore is tuned: heap sized to the function's memory, the DFG tier at every size, no FTL; settings win",
    async () => {
      const envOf = async (memorySizeMb: number, env?: Record<string, string>) =>
        payloadOf(await start("handlers.runtimeEnv", { memorySizeMb, ...(env ? { env } : {}) }).env.invoke({}))
      const [smallest, small, below, large, chosen, refused] = await Promise.all([
        envOf(128),
        envOf(256),
        envOf(1023),
        envOf(2048),
        envOf(256, { BUN_JSC_useDFGJIT: "false", BUN_JSC_useFTLJIT: "true" }),
        envOf(2048, { BUN_JSC_useDFGJIT: "false" })
      ])
      const tuned = (mb: number, dfg: string, ftl = "false") => ({
        forceRAMSize: String(mb * 1024 * 1024),
        useDFGJIT: dfg,
        useFTLJIT: ftl,
        useConcurrentJIT: mb < 256 ? "false" : null,
        gcTimerDisable: "1"
      })
      expect(smallest).toEqual(tuned(128, "true"))
      expect(small).toEqual(tuned(256, "true"))
      expect(below).toEqual(tuned(1023, "true"))
      expect(large).toEqual(tuned(2048, "true"))
      expect(chosen).toEqual(tuned(256, "false", "true"))
      expect(refused).toEqual(tuned(2048, "false"))
    },
    20_000
  )

  test(
    "JavaScriptCore's DFG compiles hot code at every size (at 128 MB on the JavaScript thread), not when the function turns it off",
    async () => {
      const compiled = async (memorySizeMb: number, env?: Record<string, string>) =>
        payloadOf(await start("handlers.dfgCompiled", { memorySizeMb, ...(env ? { env } : {}) }).env.invoke({}))
      const [smallest, small, large, refused] = await Promise.all([
        compiled(128),
        compiled(512),
        compiled(1024),
        compiled(512, { BUN_JSC_useDFGJIT: "false" })
      ])
      expect(smallest).toMatchObject({ dfgCompiled: true, dfgOff: false })
      expect(small).toMatchObject({ dfgCompiled: true, dfgOff: false })
      expect(large).toMatchObject({ dfgCompiled: true, dfgOff: false })
      expect(refused).toMatchObject({ dfgCompiled: false, dfgOff: true })
    },
    20_000
  )

  test(
    "below 256 MB JavaScriptCore compiles on the JavaScript thread: no JIT worker thread; settings win",
    async () => {
      const { env: small } = start("handlers.threadNames", { memorySizeMb: 128 })
      expect(payloadOf(await small.invoke({})).names).not.toContain("JITWorker")
      // The controls: from 256 MB, and when the function asks for it, the worker is there.
      const { env: large } = start("handlers.threadNames", { memorySizeMb: 256 })
      expect(payloadOf(await large.invoke({})).names).toContain("JITWorker")
      const { env: chosen } = start("handlers.threadNames", {
        memorySizeMb: 128,
        env: { BUN_JSC_useConcurrentJIT: "true" }
      })
      expect(payloadOf(await chosen.invoke({})).names).toContain("JITWorker")
    },
    20_000
  )

  test(
    "no collection from Bun's GC timer while a handler waits (JavaScriptCore's own pacing stays); the setting yields",
    async () => {
      const collections = (lines: ReadonlyArray<string>) => lines.filter((l) => /=> \w+Collection/.test(l)).length
      // Collections logged while the handler sleeps 2.5 s, allocating next to nothing.
      const whileIdle = async (env: Record<string, string>) => {
        const { env: e, lines } = start("handlers.slow", { memorySizeMb: 1024, env: { BUN_JSC_logGC: "1", ...env } })
        await e.invoke({ ms: 1, marker: "warm" })
        await Bun.sleep(100)
        const before = collections(lines)
        expect(payloadOf(await e.invoke({ ms: 2_500, marker: "idle" }))).toBe("slow done")
        return collections(lines) - before
      }
      const [off, on] = await Promise.all([whileIdle({}), whileIdle({ BUN_GC_TIMER_DISABLE: "0" })])
      // The control: with Bun's timer on, it collects about once a second.
      expect(on).toBeGreaterThanOrEqual(1)
      expect(off).toBe(0)
    },
    20_000
  )

  test(
    "mimalloc keeps what it frees (no purge, no scavenger thread); the function's own setting wins",
    async () => {
      const { env: kept } = start("handlers.threadNames", { memorySizeMb: 1024 })
      expect(payloadOf(await kept.invoke({})).names).not.toContain("mi-scavenger")
      // The control: with mimalloc's default delay, its scavenger thread is there.
      const { env: purged } = start("handlers.threadNames", {
        memorySizeMb: 1024,
        env: { MIMALLOC_PURGE_DELAY: "100" }
      })
      expect(payloadOf(await purged.invoke({})).names).toContain("mi-scavenger")
    },
    20_000
  )

  test("a /next answer without a request id is logged and skipped; the runtime keeps serving", async () => {
    let broken = 1
    const { env, lines } = start("handlers.echo", {
      server: {
        intercept: (
          req
        ) => (req.url.endsWith("/invocation/next") && broken-- > 0 ? new Response("{}", { status: 200 }) : undefined)
      }
    })
    expect(payloadOf(await env.invoke({ after: "skip" }))).toEqual({ after: "skip" })
    expect(lines.join("\n")).toContain("without Lambda-Runtime-Aws-Request-Id")
  })

  test("the product handler answers a malformed SQS event with a clear error, never a silent success", async () => {
    const { env } = start("src/handler.handler", {
      taskRoot: resolve(import.meta.dir, "../.."),
      env: {
        [ENV.tableName]: "t",
        [ENV.outputQueueUrl]: "http://127.0.0.1:9/out",
        [ENV.deadLetterQueueUrl]: "http://127.0.0.1:9/dlq",
        AWS_REGION: "us-east-1"
      }
    })
    const noId = await env.invoke({ Records: [{ body: "{}" }] })
    expect(noId).toMatchObject({ status: "error", error: { errorType: "InvalidEvent" } })
    expect(noId.status !== "success" && noId.error.errorMessage).toContain("messageId")
    expect(await env.invoke({ detail: "not sqs" })).toMatchObject({
      status: "error",
      error: { errorType: "InvalidEvent" }
    })
    // Loads the whole handler from source (TypeScript, Effect, the SDK) in a fresh process: seconds on one busy core.
  }, 20_000)

  test("the product handler fails its cold start naming a missing setting", async () => {
    const { env } = start("src/handler.handler", {
      taskRoot: resolve(import.meta.dir, "../.."),
      env: { [ENV.outputQueueUrl]: "http://127.0.0.1:9/out", [ENV.deadLetterQueueUrl]: "http://127.0.0.1:9/dlq" }
    })
    const result = await env.invoke({ Records: [] })
    expect(result.status).toBe("init-error")
    expect(result.status !== "success" && result.error.errorMessage).toContain(ENV.tableName)
  }, 20_000)
})
