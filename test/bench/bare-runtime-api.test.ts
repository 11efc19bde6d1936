import { expect, test } from "bun:test"
import { join } from "node:path"
import { workloadBodies } from "../../bench/load/workload-bodies.ts"

const script = join(import.meta.dir, "../../bench/bare-runtime-api.ts")
const NEXT = "/2018-06-01/runtime/invocation/next"

test(
  "bench/bare-runtime-api.ts hands out its events as Lambda's Runtime API does, held GAP_MS, then says done",
  async () => {
    const api = Bun.spawn([process.execPath, script, "add", "2", "50"], { stdout: "pipe", stderr: "inherit" })
    try {
      const lines = api.stdout.getReader()
      const text = new TextDecoder()
      const base = `http://${text.decode((await lines.read()).value).trim()}/2018-06-01/runtime`
      const bodies: Array<string> = []
      for (const n of [0, 1]) {
        const asked = performance.now()
        const next = await fetch(`http://${new URL(base).host}${NEXT}`)
        expect(performance.now() - asked).toBeGreaterThanOrEqual(45)
        const id = next.headers.get("lambda-runtime-aws-request-id")
        expect(id).toBe(`bare-${n}`)
        expect(Number(next.headers.get("lambda-runtime-deadline-ms"))).toBeGreaterThan(Date.now())
        expect(next.headers.get("lambda-runtime-invoked-function-arn")).toStartWith("arn:aws:lambda:")
        const event = (await next.json()) as { Records: Array<{ body: string; eventSource: string }> }
        expect(event.Records.every((r) => r.eventSource === "aws:sqs")).toBe(true)
        bodies.push(...event.Records.map((r) => r.body))
        const answered = await fetch(`${base}/invocation/${id}/response`, { method: "POST", body: "{}" })
        expect(answered.status).toBe(202)
      }
      // Every message its own, numbered on from one event to the next, as the load benchmark's.
      expect(bodies).toEqual(workloadBodies("add", 0, 20, 1_000))
      let said = ""
      while (!said.includes("done")) said += text.decode((await lines.read()).value, { stream: true })
      // Then /next is held: a runtime polling it waits, as one with nothing to do.
      const held = await Promise.race([fetch(`http://${new URL(base).host}${NEXT}`), Bun.sleep(200).then(() => "held")])
      expect(held).toBe("held")
    } finally {
      api.kill()
    }
  },
  10_000
)
