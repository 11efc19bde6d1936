import { ListTablesCommand } from "@aws-sdk/client-dynamodb"
import { ListQueuesCommand } from "@aws-sdk/client-sqs"
import { afterEach, describe, expect, test } from "bun:test"
import { spawnEmulators } from "../../local/aws/emulator-process.ts"
import { startDynamoDb, startSqs } from "../../local/aws/emulators.ts"
import { localDynamoDbClient, localSqsClient } from "../../local/aws/local-clients.ts"
import { emulatorPlacement, startLocalStack } from "../../local/aws/local-stack.ts"

// A process of its own loads dynalite and local-aws-sqs before it answers: seconds on one loaded core.
const SPAWN_TIMEOUT_MS = 30_000

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Until `pid` is gone (it may linger as the parent's zombie until reaped: /proc says which). */
const goneWithin = async (pid: number, ms: number) => {
  const until = performance.now() + ms
  while (performance.now() < until) {
    if (!alive(pid)) return true
    const state = await Bun.file(`/proc/${pid}/stat`).text().catch(() => "")
    if (state === "" || / Z /.test(state)) return true
    await Bun.sleep(50)
  }
  return false
}

const saved = { dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB, sqs: process.env.AWS_ENDPOINT_URL_SQS }
afterEach(() => {
  for (const [name, value] of [["AWS_ENDPOINT_URL_DYNAMODB", saved.dynamodb], ["AWS_ENDPOINT_URL_SQS", saved.sqs]]) {
    if (value === undefined) delete process.env[name!]
    else process.env[name!] = value
  }
})

describe("the emulators in a process of their own", () => {
  test("it starts, both emulators answer, and it is gone after close", async () => {
    const own = await spawnEmulators()
    try {
      expect(own.pid).not.toBe(process.pid)
      expect(own.endpoints.dynamodb).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(own.endpoints.sqs).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const tables = await localDynamoDbClient(own.endpoints.dynamodb).send(new ListTablesCommand({}))
      expect(tables.TableNames).toEqual([])
      const queues = await localSqsClient(own.endpoints.sqs).send(new ListQueuesCommand({}))
      expect(queues.QueueUrls ?? []).toEqual([])
    } finally {
      await own.close()
    }
    expect(alive(own.pid)).toBe(false)
    await own.close() // twice: nothing left to end
  }, SPAWN_TIMEOUT_MS)

  test("it ends when the process that started it is killed (SIGKILL: no handler runs)", async () => {
    const parent = Bun.spawn([
      process.execPath,
      "-e",
      `const { spawnEmulators } = await import(${
        JSON.stringify(require.resolve("../../local/aws/emulator-process.ts"))
      })
       const own = await spawnEmulators()
       console.log(own.pid)
       setInterval(() => {}, 1000)`
    ], { stdout: "pipe", stderr: "ignore" })
    const reader = parent.stdout.getReader()
    let text = ""
    while (!text.includes("\n")) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    const child = Number(text.trim())
    expect(child).toBeGreaterThan(0)
    expect(alive(child)).toBe(true)
    parent.kill("SIGKILL")
    await parent.exited
    const gone = await goneWithin(child, 5_000)
    if (!gone) process.kill(child, "SIGKILL") // left behind: the test fails, the machine is not left with it
    expect(gone).toBe(true)
  }, SPAWN_TIMEOUT_MS)

  test("a stack with placement 'process' runs them there, closes them, and honours AWS_ENDPOINT_URL_SQS", async () => {
    const external = await startSqs({})
    process.env.AWS_ENDPOINT_URL_SQS = external.url
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB
    try {
      const stack = await startLocalStack({ prefix: `emu-proc-${process.pid}` }, "process")
      const pid = stack.emulatorPid!
      try {
        expect(pid).toBeGreaterThan(0)
        expect(stack.endpoints.sqs).toBe(external.url)
        expect(stack.embedded).toEqual({ dynamodb: true, sqs: false })
        // The table was provisioned in the emulator process's dynalite.
        const tables = await localDynamoDbClient(stack.endpoints.dynamodb).send(new ListTablesCommand({}))
        expect(tables.TableNames).toEqual([stack.tableName])
      } finally {
        await stack.close()
      }
      expect(alive(pid)).toBe(false)
    } finally {
      await external.close()
    }
  }, SPAWN_TIMEOUT_MS)

  test("both AWS_ENDPOINT_URL_* set: no process is started", async () => {
    const [dynamodb, sqs] = await Promise.all([startDynamoDb({}), startSqs({})])
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.url
    process.env.AWS_ENDPOINT_URL_SQS = sqs.url
    try {
      const stack = await startLocalStack({ prefix: `emu-ext-${process.pid}` }, "process")
      await stack.close()
      expect(stack.emulatorPid).toBeUndefined()
      expect(stack.endpoints).toEqual({ dynamodb: dynamodb.url, sqs: sqs.url })
    } finally {
      await Promise.all([dynamodb.close(), sqs.close()])
    }
  }, 10_000)
})

test("emulatorPlacement: inline or process, the fallback when unset, anything else refused", () => {
  expect(emulatorPlacement(undefined, "inline")).toBe("inline")
  expect(emulatorPlacement("", "process")).toBe("process")
  expect(emulatorPlacement("process", "inline")).toBe("process")
  expect(emulatorPlacement("inline", "process")).toBe("inline")
  expect(() => emulatorPlacement("docker", "inline")).toThrow(/one of inline, process/)
})
