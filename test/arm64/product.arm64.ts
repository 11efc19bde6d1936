import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { drainQueue, scanAll } from "../../local/aws/inspect.ts"
import { type LocalStack, startLocalStack } from "../../local/aws/local-stack.ts"
import { ExecutionEnvironment } from "../../local/runtime-api/environment.ts"
import { sqsEvent, sqsRecord } from "../support/records.ts"

// The default deployment, end to end: the packaged arm64 layer and function-arm64.zip (unpacked by
// setup.ts, the Bun under qemu-user) against the emulators. Run with `npm run test:arm64`.
const bootstrap = process.env.RUNTIME_BOOTSTRAP
const taskRoot = process.env.ARM64_TASK_ROOT
if (!bootstrap || !taskRoot) {
  throw new Error("run this file with `npm run test:arm64`, which builds and unpacks the arm64 artefacts")
}

const SENT_AT = new Date(1_700_000_000_000).toISOString()
let stack: LocalStack
let env: ExecutionEnvironment
const lines: Array<string> = []

beforeAll(async () => {
  stack = await startLocalStack({ prefix: `arm64-${process.pid}` })
  env = new ExecutionEnvironment({
    bootstrap,
    taskRoot,
    handler: "handler.handler",
    memorySizeMb: 256,
    timeoutMs: 30_000, // emulation: an invocation that takes ~10 ms natively can take a second
    env: { ...stack.functionEnv, BUN_JSC_reportBytecodeCacheDecodeTimes: "1" },
    onLog: (line) => void lines.push(line)
  })
}, 60_000)

afterAll(async () => {
  await env?.stop()
  await stack?.close()
})

describe("the packaged arm64 layer and function, under qemu-user", () => {
  test("an add and a rejected message in one batch: the product is stored, the message parked in the DLQ", async () => {
    const result = await env.invoke(sqsEvent(
      sqsRecord(`{"name":"Widget","price":9.99}`, { messageId: "arm64-add", sentTimestamp: 1_700_000_000_000 }),
      sqsRecord(`{"name":"Gadget","price":-1}`, { messageId: "arm64-bad" })
    ))
    expect(result.status).toBe("success")
    expect(result.status === "success" && JSON.parse(result.payload)).toEqual({ batchItemFailures: [] })
    expect(result.report.initDurationMs).toBeGreaterThan(0)
    // The cold start ran runtime.js and handler.js from the bytecode the arm64 Bun generated.
    const decoded = lines.filter((l) => l.startsWith("BytecodeCache: decoded")).map((l) => l.split(" ")[2])
    expect(decoded.map((path) => path!.replace(/^.*\//, ""))).toEqual(["runtime.js", "handler.js"])

    const items = await scanAll(stack.endpoints.dynamodb, stack.tableName)
    expect(items).toHaveLength(1)
    expect(items[0]).toMatchObject({ pk: "arm64-add", name: "Widget", price: 9.99, createdAt: SENT_AT })
    const parked = await drainQueue(stack.endpoints.sqs, stack.deadLetterQueueUrl, { remove: true })
    const attribute = (m: (typeof parked)[number], name: string) => m.MessageAttributes?.[name]?.StringValue
    expect(parked.map((m) => [m.Body, attribute(m, "errorType"), attribute(m, "sourceMessageId")])).toEqual([
      [`{"name":"Gadget","price":-1}`, "InvalidMessage", "arm64-bad"]
    ])
  }, 120_000)

  test("a read of that product answers on the output queue; a read of a missing one answers not_found", async () => {
    const result = await env.invoke(sqsEvent(
      sqsRecord(`{"pk":"arm64-add"}`, { messageId: "arm64-read" }),
      sqsRecord(`{"pk":"arm64-none"}`, { messageId: "arm64-missing" })
    ))
    expect(result.status === "success" && JSON.parse(result.payload)).toEqual({ batchItemFailures: [] })
    expect(result.report.initDurationMs).toBeUndefined() // the same environment, warm
    const out = await drainQueue(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
    const byCorrelation = Object.fromEntries(out.map((m) => [m.MessageAttributes?.correlationId?.StringValue, m]))
    expect(byCorrelation["arm64-read"]?.MessageAttributes?.outcome?.StringValue).toBe("found")
    const found = JSON.parse(byCorrelation["arm64-read"]!.Body!)
    expect(found).toEqual({ pk: "arm64-add", name: "Widget", price: 9.99, createdAt: SENT_AT })
    expect(byCorrelation["arm64-missing"]?.MessageAttributes?.outcome?.StringValue).toBe("not_found")
    expect(env.coldStarts).toBe(1)
  }, 120_000)
})
