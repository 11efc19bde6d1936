/**
 * bun bench/bare-runtime-api.ts CASE INVOCATIONS [GAP_MS]
 *
 * A Runtime API with nothing behind it, for bench/handler-window.ts's `rapi` variant: a runtime polls it as
 * it polls Lambda's, and gets INVOCATIONS events of 10 SQS records of CASE (add or read, every message its
 * own, as bench/load/workload-bodies.ts makes them), each handed out on /next GAP_MS (default 0) after it is
 * asked for, as an environment waits between invocations for the mapping's next batch, and taken on
 * /response; then /next is held and "done" printed. No event source mapping, emulators, cgroup or log pipe:
 * the runtime's exchange on the function's thread and nothing else of an environment. Runs in a process of
 * its own so that serving costs the measured one nothing; prints its host:port first.
 */
import { workloadBodies } from "./load/workload-bodies.ts"
import { sqsRecord } from "./sqs-record.ts"

const [kind, count, gapMs] = [process.argv[2] as "add" | "read", Number(process.argv[3]), Number(process.argv[4] ?? 0)]
const RECORDS = 10
const PREFIX = "/2018-06-01/runtime"
const event = (n: number) => {
  const now = String(Date.now())
  return JSON.stringify({
    Records: workloadBodies(kind, n * RECORDS, RECORDS, 1_000).map((body) => sqsRecord(body, now))
  })
}

let handedOut = 0
let answered = 0
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  async fetch(request) {
    const path = new URL(request.url).pathname
    if (path === `${PREFIX}/invocation/next`) {
      if (handedOut >= count) return new Promise<Response>(() => {})
      const n = handedOut++
      if (gapMs > 0) await Bun.sleep(gapMs)
      return new Response(event(n), {
        headers: {
          "content-type": "application/json",
          "lambda-runtime-aws-request-id": `bare-${n}`,
          "lambda-runtime-deadline-ms": String(Date.now() + 30_000),
          "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:000000000000:function:hot-path"
        }
      })
    }
    await request.arrayBuffer()
    // "done" once the last answer's 202 is out, so that the runtime is not stopped while it waits for it.
    if (path.endsWith("/response") && ++answered === count) setTimeout(() => console.log("done"), 100)
    else if (!path.endsWith("/response")) console.error(`bare runtime API: ${request.method} ${path}`)
    return new Response(JSON.stringify({ status: "OK" }), { status: 202 })
  }
})
console.log(`${server.hostname}:${server.port}`)
