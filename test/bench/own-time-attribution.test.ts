import { afterEach, expect, test } from "bun:test"
import { AwsWaits } from "../../bench/own-time.ts"
import type { InvocationRecord } from "../../local/event-source/event-source-mapping.ts"
import { sendBodies } from "../../local/flow/send.ts"
import { type Session, startSession } from "../../local/flow/session.ts"
import type { AwsProxy } from "../../local/proxy/aws-proxy.ts"
import { proxiedEndpoints } from "../../local/proxy/proxied-endpoints.ts"

let session: Session | undefined
const proxies: Array<AwsProxy> = []
afterEach(async () => {
  await session?.close()
  await Promise.all(proxies.splice(0).map((p) => p.stop()))
  session = undefined
})

test("each environment's AWS calls go through its own proxies and fall inside its invocations", async () => {
  const waits = new AwsWaits()
  const calls: Array<{ id: number; start: number; end: number }> = []
  const invocations: Array<InvocationRecord & { waited: number }> = []
  session = await startSession({
    prefix: `own-time-${process.pid}-${Date.now()}`,
    memoryMb: 1024,
    concurrency: 2,
    batchSize: 10,
    batchingWindowSeconds: 0,
    timeoutSeconds: 10,
    onInvocation: (r) => void invocations.push({ ...r, waited: waits.waited(r.environmentId, r.startedAt, r.endedAt) }),
    environmentEndpoints: (stack, id) => {
      const onTiming = (start: number, end: number) => {
        calls.push({ id, start, end })
        waits.record(id, start, end)
      }
      return proxiedEndpoints(stack, { latencyMs: 20, onTiming }, proxies)
    }
  })
  const bodies = Array.from({ length: 20 }, (_, i) => JSON.stringify({ name: `p${i}`, price: i }))
  await sendBodies(session.stack.endpoints.sqs, session.stack.inputQueueUrl, bodies)
  await session.mapping.drain()
  expect(invocations.length).toBeGreaterThan(0)
  expect(invocations.every((r) => r.result.status === "success")).toBe(true)
  expect(new Set(calls.map((c) => c.id)).size).toBe(new Set(invocations.map((r) => r.environmentId)).size)
  // Every call the function made is inside one of its environment's invocations...
  for (const call of calls) {
    const inside = (r: InvocationRecord) => r.startedAt <= call.start && call.end <= r.endedAt
    const owner = invocations.filter((r) => r.environmentId === call.id && inside(r))
    expect(owner).toHaveLength(1)
  }
  // ...each invocation (one BatchWriteItem, 20 ms added) waited at least that, and less than it lasted.
  for (const r of invocations) {
    expect(r.waited).toBeGreaterThanOrEqual(20)
    expect(r.waited).toBeLessThan(r.result.report.durationMs)
  }
}, 30_000)
