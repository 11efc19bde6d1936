import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { drainQueue, scanAll } from "../../local/aws/inspect.ts"
import { type LocalStack, startLocalStack } from "../../local/aws/local-stack.ts"
import { ExecutionEnvironment } from "../../local/runtime-api/environment.ts"
import { bundle } from "../../scripts/build/bundle.ts"
import { sqsRecord } from "../support/records.ts"

// The handler as it ships (the bundle with its stand-ins for the SDK's hashing, CRC-32 and credentials) on the
// Bun runtime, against the emulators or whatever AWS_ENDPOINT_URL_DYNAMODB names (npm run test:dynamodb-local:
// AWS's DynamoDB Local, whose answers carry x-amz-crc32). Non-ASCII names go through SigV4 signing, the SQS
// client's MD5 check of every body sent, and the CRC-32 check of every DynamoDB answer.
const root = resolve(import.meta.dir, "../..")
const work = mkdtempSync(join(tmpdir(), "packaged-function-"))
let stack: LocalStack
let env: ExecutionEnvironment

beforeAll(async () => {
  for (const f of await bundle(join(root, "src/handler.ts"), "handler.js")) {
    mkdirSync(dirname(join(work, f.name)), { recursive: true })
    writeFileSync(join(work, f.name), f.data)
  }
  stack = await startLocalStack({ prefix: `pkg-it-${process.pid}` })
  env = new ExecutionEnvironment({
    bootstrap: join(root, "runtime/bootstrap"),
    taskRoot: work,
    handler: "handler.handler",
    timeoutMs: 20_000,
    env: stack.functionEnv
  })
}, 60_000)

afterAll(async () => {
  await env?.stop()
  await stack?.close()
  rmSync(work, { recursive: true, force: true })
})

describe("the packaged function against the emulators", () => {
  test("non-ASCII products are added, read back and answered intact", async () => {
    const names = ["Café €", "\u{1F600} emoji", "中文", "ÿ".repeat(1_024), "plain"]
    const ids = names.map((_, i) => `pkg-add-${i}-é`)
    const adds = names.map((name, i) => sqsRecord(JSON.stringify({ name, price: i + 0.5 }), { messageId: ids[i]! }))
    const added = await env.invoke({ Records: adds })
    expect(added.status === "success" && JSON.parse(added.payload)).toEqual({ batchItemFailures: [] })
    expect((await scanAll(stack.endpoints.dynamodb, stack.tableName)).map((i) => i.name).sort()).toEqual(
      [...names].sort()
    )

    const reads = ids.map((pk, i) => sqsRecord(JSON.stringify({ pk }), { messageId: `pkg-read-${i}` }))
    const read = await env.invoke({ Records: reads })
    expect(read.status === "success" && JSON.parse(read.payload)).toEqual({ batchItemFailures: [] })
    const answers = await drainQueue(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
    expect(answers.map((m) => JSON.parse(m.Body!).name).sort()).toEqual([...names].sort())
    expect(await drainQueue(stack.endpoints.sqs, stack.deadLetterQueueUrl, { remove: true })).toEqual([])
  }, 60_000)
})
