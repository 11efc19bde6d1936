import { describe, expect, test } from "bun:test"
import { abnormalEnd, errorPayloadOf, exitedDuringInit } from "../../local/runtime-api/abnormal-end.ts"
import { lambdaEnvironment, type LambdaEnvSettings } from "../../local/runtime-api/lambda-env.ts"
import { linesOf, lineSplitter } from "../../local/runtime-api/lines.ts"
import { eventBody } from "../../local/runtime-api/server.ts"

describe("the environment variables Lambda starts a runtime with", () => {
  const settings: LambdaEnvSettings = {
    runtimeApi: "127.0.0.1:9001",
    bootstrap: "/opt/bootstrap",
    taskRoot: "/var/task",
    handler: "handler.handler",
    functionName: "fn",
    memorySizeMb: 512,
    maxConcurrency: 1,
    streamId: "abc123",
    now: new Date("2026-03-04T05:06:07Z"),
    identity: { AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "local" },
    path: "/usr/bin",
    bunBinary: "/usr/local/bin/bun"
  }

  test("the function, its sizes, its log group and stream, the Runtime API, the identity", () => {
    expect(lambdaEnvironment(settings)).toEqual({
      PATH: "/usr/bin",
      LANG: "en_US.UTF-8",
      TZ: ":UTC",
      BUN_BINARY: "/usr/local/bin/bun",
      AWS_LAMBDA_RUNTIME_API: "127.0.0.1:9001",
      _HANDLER: "handler.handler",
      LAMBDA_TASK_ROOT: "/var/task",
      LAMBDA_RUNTIME_DIR: "/opt",
      AWS_LAMBDA_FUNCTION_NAME: "fn",
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
      AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/fn",
      AWS_LAMBDA_LOG_STREAM_NAME: "2026/03/04/[$LATEST]abc123",
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "local"
    })
  })

  test("AWS_LAMBDA_MAX_CONCURRENCY only in Managed Instances mode; the function's own variables win", () => {
    const env = lambdaEnvironment({ ...settings, maxConcurrency: 4, env: { AWS_REGION: "us-east-2", MINE: "1" } })
    expect(env).toMatchObject({ AWS_LAMBDA_MAX_CONCURRENCY: "4", AWS_REGION: "us-east-2", MINE: "1" })
  })

  test("relative paths are made absolute, as Lambda's /var/task and /opt are", () => {
    const env = lambdaEnvironment({ ...settings, taskRoot: "task", bootstrap: "layer/bootstrap" })
    expect(env.LAMBDA_TASK_ROOT).toBe(`${process.cwd()}/task`)
    expect(env.LAMBDA_RUNTIME_DIR).toBe(`${process.cwd()}/layer`)
  })
})

describe("invocations that end without the runtime's answer", () => {
  test("a timeout, in Lambda's words", () => {
    expect(abnormalEnd("timeout", "req-1", 3_000)).toEqual({
      status: "timeout",
      error: { errorType: "Sandbox.Timedout", errorMessage: "req-1 Task timed out after 3.00 seconds" }
    })
  })

  test("a runtime killed by the memory limit, or exited with its status", () => {
    expect(abnormalEnd({ exitCode: 137, outOfMemory: true }, "req-2", 3_000)).toEqual({
      status: "crash",
      error: {
        errorType: "Runtime.OutOfMemory",
        errorMessage: "RequestId: req-2 Error: Runtime exited with error: signal: killed"
      }
    })
    expect(abnormalEnd({ exitCode: 1, outOfMemory: false }, "req-3", 3_000)).toEqual({
      status: "crash",
      error: {
        errorType: "Runtime.ExitError",
        errorMessage: "RequestId: req-3 Error: Runtime exited with error: exit status 1"
      }
    })
    expect(exitedDuringInit.errorType).toBe("Runtime.ExitError")
  })

  test("a posted error is read as one; a body that is not one is kept as the message", () => {
    expect(errorPayloadOf(`{"errorType":"TypeError","errorMessage":"boom","stackTrace":["at x",3]}`)).toEqual({
      errorType: "TypeError",
      errorMessage: "boom",
      stackTrace: ["at x", "3"]
    })
    expect(errorPayloadOf("{}")).toEqual({ errorType: "Unknown", errorMessage: "", stackTrace: [] })
    expect(errorPayloadOf("not json")).toEqual({ errorType: "Runtime.InvalidErrorBody", errorMessage: "not json" })
  })
})

describe("a process's output as lines", () => {
  test("lines split across pieces are joined; the last one counts without its newline", () => {
    const splitter = lineSplitter()
    expect(splitter.push("a\nb")).toEqual(["a"])
    expect(splitter.push("c\n\nd")).toEqual(["bc", ""])
    expect(splitter.end()).toEqual(["d"])
  })

  test("text ending with a newline leaves nothing behind", () => {
    const splitter = lineSplitter()
    expect(splitter.push("a\n")).toEqual(["a"])
    expect(splitter.end()).toEqual([])
  })

  test("a UTF-8 character split between two chunks of bytes stays whole", async () => {
    const bytes = new TextEncoder().encode("prix 5 €\nfin")
    const cut = bytes.length - 5 // inside the three bytes of "€"
    const stream = new ReadableStream<Uint8Array>({
      start: (c) => (c.enqueue(bytes.slice(0, cut)), c.enqueue(bytes.slice(cut)), c.close())
    })
    expect(await Array.fromAsync(linesOf(stream))).toEqual(["prix 5 €", "fin"])
  })
})

describe("an event on the wire, as Lambda's Go server writes it", () => {
  test("sized up to 2,048 bytes, chunked beyond: counted in bytes, not characters", () => {
    expect(typeof eventBody("a".repeat(2_048))).toBe("string")
    expect(eventBody("a".repeat(2_049))).toBeInstanceOf(ReadableStream)
    // 1,100 characters, 2,200 bytes in UTF-8.
    expect(eventBody("é".repeat(1_100))).toBeInstanceOf(ReadableStream)
  })
})
