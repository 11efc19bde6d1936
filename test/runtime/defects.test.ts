import { describe, expect, test } from "bun:test"
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { startRuntimeApiServer } from "../../local/runtime-api/server.ts"
import { kinds } from "./fixtures/hostile.ts"
import { BOOTSTRAP, environments, payloadOf, RUNTIME_FIXTURES } from "./harness.ts"

const start = environments({ taskRoot: RUNTIME_FIXTURES })

/** A header value fetch accepts: Latin-1 without control characters (here: printable ASCII). */
const headerSafe = /^[\x20-\x7e]+$/

describe("no value a handler throws stops the runtime (issue #13, defect 1)", () => {
  for (const style of ["throws", "rejects", "callbackError"]) {
    test(
      `hostile.${style}: every kind of thrown value is reported on its invocation, the environment stays warm`,
      async () => {
        const { env, lines } = start(`hostile.${style}`, { timeoutMs: 10_000 })
        // callback(null) and callback(undefined) are the callback's success, not a thrown value.
        for (
          const kind of kinds.filter((k) => style !== "callbackError" || (k !== "nullValue" && k !== "undefinedValue"))
        ) {
          const result = await env.invoke({ kind }, { requestId: `req-${style}-${kind}` })
          if (result.status !== "error") {
            throw new Error(`${kind}: expected an error report, got ${JSON.stringify(result).slice(0, 500)}`)
          }
          expect(result.errorTypeHeader ?? "").toMatch(headerSafe)
          expect(typeof result.error.errorMessage).toBe("string")
          expect(result.error.errorMessage.length).toBeLessThan(300 * 1024)
          expect(result.xrayErrorCause ?? "").toMatch(/^\{.*\}$/)
          JSON.parse(result.xrayErrorCause!)
          // Logged too: an SQS-triggered function has no other trace of the failure (defect 2).
          expect(lines.some((l) => l.includes(`req-${style}-${kind}`) && l.includes("Invoke Error"))).toBe(true)
        }
        expect(payloadOf(await start("hostile.ok", { taskRoot: RUNTIME_FIXTURES }).env.invoke({}))).toBe("still alive")
        expect(env.coldStarts).toBe(1)
      },
      60_000
    )
  }

  test(
    "names with control or non-Latin-1 characters keep their text in the body; the header is percent-encoded",
    async () => {
      const { env, lines } = start("hostile.throws", { timeoutMs: 15_000 })
      const newline = await env.invoke({ kind: "newlineName" })
      expect(newline).toMatchObject({
        status: "error",
        error: { errorType: "Bad\nName" },
        errorTypeHeader: "Bad%0AName"
      })
      const cjk = await env.invoke({ kind: "cjkName" })
      expect(cjk).toMatchObject({
        status: "error",
        error: { errorType: "处理错误" },
        errorTypeHeader: encodeURIComponent("处理错误")
      })
      const huge = await env.invoke({ kind: "hugeMessage" })
      expect(huge.status !== "success" && huge.error.errorMessage).toContain("[truncated")
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(600 * 1024) // the log line is shortened too
    },
    20_000
  )

  test("a result whose serialisation throws a hostile value is an error, not a crash", async () => {
    const { env } = start("hostile.badResult")
    expect(await env.invoke({})).toMatchObject({ status: "error", error: { errorType: "Runtime.SerializationError" } })
    expect(env.coldStarts).toBe(1)
  })

  test("logging hostile values never throws into the handler", async () => {
    const { env, lines } = start("hostile.logsHostile")
    expect(payloadOf(await env.invoke({}))).toBe("logged")
    expect(lines.some((l) => l.includes("\tINFO\t<ref *1> { a: 1, self: [Circular *1] }"))).toBe(true)
    expect(lines.some((l) => l.includes("\tERROR\t{ name: [Getter], message: [Getter], stack: [Getter] }"))).toBe(true)
    const { env: json } = start("hostile.logsHostile", { env: { AWS_LAMBDA_LOG_FORMAT: "JSON" } })
    expect(payloadOf(await json.invoke({}))).toBe("logged")
  })
})

describe("handler errors are logged as the Node.js runtime logs them (defect 2)", () => {
  test("text format: `Invoke Error` with the error as JSON: type, message, stack", async () => {
    const { env, lines } = start("hostile.throws")
    await env.invoke({ kind: "emptyName" }, { requestId: "req-text" })
    await env.invoke({ kind: "string" }, { requestId: "req-string" })
    const line = lines.find((l) => l.includes("req-text") && l.includes("Invoke Error"))!
    expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z\treq-text\tERROR\tInvoke Error \t\{/)
    const logged = JSON.parse(line.slice(line.indexOf("\t{") + 1))
    expect(logged).toMatchObject({ errorMessage: "named failure" })
    expect(Array.isArray(logged.stack)).toBe(true)
    const wrapped = lines.find((l) => l.includes("req-string") && l.includes("Invoke Error"))!
    expect(JSON.parse(wrapped.slice(wrapped.indexOf("\t{") + 1))).toMatchObject({
      errorType: "Error",
      errorMessage: "just a string"
    })
  })

  test("JSON format: one line with level ERROR, the request id and the error as the message", async () => {
    const { env, lines } = start("hostile.rejects", { env: { AWS_LAMBDA_LOG_FORMAT: "JSON" } })
    await env.invoke({ kind: "nonLatinMessage" }, { requestId: "req-json" })
    const objects = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
    const logged = objects.find((o) => o.requestId === "req-json" && o.level === "ERROR")
    expect(logged.message).toMatchObject({ errorType: "Error", errorMessage: "сообщение 错误 \u0000 \uDFFF" })
    expect(Array.isArray(logged.message.stackTrace)).toBe(true)
  })
})

test("with AWS_LAMBDA_LOG_LEVEL unset every level is logged, as the Node.js runtime does (defect 3)", async () => {
  const { env, lines } = start("hostile.logsHostile")
  await env.invoke({}, { requestId: "req-levels" })
  expect(lines.some((l) => l.includes("\tTRACE\ttrace line"))).toBe(true)
  expect(lines.some((l) => l.includes("\tDEBUG\tdebug line"))).toBe(true)
})

describe("the start is hardened: Bun reads nothing from the task root but the handler (defect 4)", () => {
  test("a .env and a bunfig.toml with a preload in the task root are ignored by the real bootstrap", async () => {
    const taskRoot = mkdtempSync(join(tmpdir(), "hardened-"))
    try {
      cpSync(resolve(RUNTIME_FIXTURES, "hostile.ts"), join(taskRoot, "hostile.ts"))
      writeFileSync(join(taskRoot, ".env"), "DOTENV_MARKER=loaded\nAWS_ENDPOINT_URL_SQS=http://evil.example\n")
      writeFileSync(join(taskRoot, ".env.production"), "DOTENV_MARKER=loaded-production\n")
      writeFileSync(join(taskRoot, "preload.ts"), "(globalThis as { preloaded?: boolean }).preloaded = true\n")
      writeFileSync(
        join(taskRoot, "bunfig.toml"),
        "preload = [\"./preload.ts\"]\n[run]\npreload = [\"./preload.ts\"]\n"
      )
      const { env } = start("hostile.whatLeaked", { taskRoot })
      expect(payloadOf(await env.invoke({}))).toEqual({ marker: null, endpoint: null, preloaded: false })
      // The check can fail: the same files are read by a plain `bun` started there.
      const plain = Bun.spawnSync([
        process.execPath,
        "-e",
        "console.log(process.env.DOTENV_MARKER, globalThis.preloaded)"
      ], { cwd: taskRoot, env: { PATH: process.env.PATH! } })
      expect(plain.stdout.toString().trim()).toBe("loaded true")
    } finally {
      rmSync(taskRoot, { recursive: true, force: true })
    }
  })
})

describe("Runtime API answers (defect 5)", () => {
  test("a 4xx answer to /response is logged and reported as the invocation's error", async () => {
    const refuse = (req: Request) =>
      req.method === "POST" && req.url.endsWith("/response")
        ? Response.json({ errorType: "RequestEntityTooLarge", errorMessage: "payload refused" }, { status: 413 })
        : undefined
    const { env, lines } = start("hostile.ok", { server: { intercept: refuse } })
    const result = await env.invoke({}, { requestId: "req-413" })
    expect(result).toMatchObject({
      status: "error",
      error: { errorType: "RequestEntityTooLarge", errorMessage: "payload refused (HTTP 413)" }
    })
    expect(lines.some((l) => l.includes("req-413") && l.includes("Invoke Error") && l.includes("payload refused")))
      .toBe(true)
    expect(env.coldStarts).toBe(1)
  })

  test("the response limit is Lambda's 6,291,556 bytes", async () => {
    const { env } = start("hostile.sized", { timeoutMs: 15_000 })
    expect((await env.invoke({ bytes: 6_291_556 })).status).toBe("success")
    expect(await env.invoke({ bytes: 6_291_557 })).toMatchObject({
      status: "error",
      error: { errorType: "Runtime.ResponseSizeTooLarge" }
    })
  }, 30_000)

  test("log lines still buffered are written before the process exits, even to a slow reader", async () => {
    const server = startRuntimeApiServer()
    const child = Bun.spawn([BOOTSTRAP], {
      cwd: RUNTIME_FIXTURES,
      env: {
        PATH: process.env.PATH!,
        BUN_BINARY: process.execPath,
        AWS_LAMBDA_RUNTIME_API: server.address,
        _HANDLER: "hostile.floodThenExit",
        LAMBDA_TASK_ROOT: RUNTIME_FIXTURES
      },
      stdout: "pipe",
      stderr: "inherit"
    })
    try {
      void server.invoke({
        requestId: "flood",
        event: JSON.stringify({ lines: 200 }),
        deadlineMs: Date.now() + 60_000,
        headers: {}
      }, () => {})
      await Bun.sleep(300) // the reader is late: the pipe fills and the writer must wait
      let text = ""
      const decoder = new TextDecoder()
      for await (const chunk of child.stdout) {
        text += decoder.decode(chunk, { stream: true })
        await Bun.sleep(50)
      }
      expect(text.split("\n").filter((l) => l.includes("\tflood ")).length).toBe(200)
      expect(await child.exited).toBe(0)
    } finally {
      child.kill("SIGKILL")
      await server.stop()
    }
  }, 30_000)
})
