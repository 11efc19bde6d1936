import { afterAll, expect, test } from "bun:test"
import { ServerResponse } from "node:http"
import { startAwsProxy } from "../../local/proxy/aws-proxy.ts"

// The proxy times a call's end when it hands the answer to the socket, not at the response's `close`: in the
// benchmark's process the emulators' promise chains run between the two, while the function, in another process,
// already has the answer. Here a 50 ms busy microtask queued right after res.end stands for them.
const BLOCK_MS = 50

const busy = (ms: number) => {
  const until = performance.now() + ms
  while (performance.now() < until);
}

// Runs `body` with every response's end replaced by `patched` (given the original), and puts the original back.
type End = (this: ServerResponse, ...args: Array<unknown>) => ServerResponse
const withEnd = async (patched: (original: End) => End, body: () => Promise<void>) => {
  const original = ServerResponse.prototype.end
  ServerResponse.prototype.end = patched(original as End) as typeof original
  try {
    await body()
  } finally {
    ServerResponse.prototype.end = original
  }
}

const timings: Array<[number, number]> = []
const proxy = startAwsProxy({
  target: "http://127.0.0.1:9",
  intercept: () => new Response(JSON.stringify({ ok: true }), { headers: { "content-type": "application/json" } }),
  onTiming: (start, end) => void timings.push([start, end])
})
afterAll(() => proxy.stop())

// The client runs in its own process (as the function does), so it reads the answer while this one is blocked;
// Date.now() is the clock both processes share.
const client = `
const res = await fetch(process.argv[1], { method: "POST", headers: { "x-amz-target": "DynamoDB_20120810.GetItem" }, body: "{}" })
await res.text()
console.log(Date.now())
`

test(
  "a call ends when the proxy hands its answer over, before the event loop gets to the response's close",
  async () => {
    const offset = Date.now() - performance.now()
    const afterEnd = (end: End): End =>
      function(...args) {
        const result = end.apply(this, args)
        queueMicrotask(() => busy(BLOCK_MS))
        return result
      }
    await withEnd(afterEnd, async () => {
      const child = Bun.spawn([process.execPath, "-e", client, proxy.url], { stdout: "pipe", stderr: "inherit" })
      const seen = Number((await new Response(child.stdout).text()).trim())
      expect(await child.exited).toBe(0)
      await Bun.sleep(BLOCK_MS + 20) // the old timing would only report after the block
      expect(timings).toHaveLength(1)
      const end = timings[0]![1] + offset
      // Date.now() has millisecond steps; the old timing came BLOCK_MS after the client's read.
      expect(end).toBeLessThanOrEqual(seen + 5)
    })
  },
  15_000
)

// Handing the answer to the socket wakes the client, which on a busy machine often runs on the proxy's CPU before
// the write returns: its own time would count as its wait on AWS. A write that blocks for 50 ms stands for it here.
test(
  "a call ends when its answer is handed to the socket, not when the write returns",
  async () => {
    timings.length = 0
    const blockingEnd = (end: End): End =>
      function(...args) {
        busy(BLOCK_MS)
        return end.apply(this, args)
      }
    await withEnd(blockingEnd, async () => {
      const res = await fetch(proxy.url, {
        method: "POST",
        headers: { "x-amz-target": "DynamoDB_20120810.GetItem" },
        body: "{}"
      })
      expect(await res.json()).toEqual({ ok: true })
      expect(timings).toHaveLength(1)
      const [start, end] = timings[0]!
      // No latency, an intercepted answer: the call is the proxy's own few ms at most, not the write's 50.
      expect(end - start).toBeLessThan(BLOCK_MS / 2)
    })
  },
  15_000
)
