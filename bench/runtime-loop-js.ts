/**
 * bun bench/runtime-loop-js.ts [--invocations 200000] [--rounds 6] [--baseline REF]
 *
 * The runtime layer's JavaScript per invocation, alone: its loop (RuntimeApi, InvocationLoop, the context,
 * the trace variable, the socket transport's request bytes, the shared answer parser) in a process of its
 * own, an echo handler, against a connection double that answers at once from canned Runtime API bytes
 * (an event's head as Lambda's Go server writes it, with a request id and trace id of its own, and the 202
 * to each response). No socket, no Runtime API process, no syscall: what is left is the layer's share of
 * the JavaScript thread, which the environments' runs cannot tell from the kernel's and the scheduler's.
 * `--baseline REF` runs a git ref's layer (its runtime/ and shared/) too, the two alternating round by
 * round, each round a fresh process; prints CPU (all threads) and wall µs per invocation and this / baseline.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { layerAtRef } from "./layer-at-ref.ts"
import { layerEnv } from "./layer-env.ts"
import { fmt, median } from "./stats.ts"

const { values: args } = parseArgs({
  options: {
    invocations: { type: "string", default: "200000" },
    rounds: { type: "string", default: "6" },
    baseline: { type: "string" },
    child: { type: "string" }
  }
})

/** One round in this process: the layer under `root` serves `invocations` echo invocations. */
const runChild = async (root: string, invocations: number) => {
  const { RuntimeApi } = await import(join(root, "runtime/src/runtime-api.ts"))
  const { InvocationLoop } = await import(join(root, "runtime/src/invocation-loop.ts"))
  const { makeLogger } = await import(join(root, "runtime/src/logging.ts"))
  const { singleScope } = await import(join(root, "runtime/src/scope.ts"))
  const { AnswerParser } = await import(join(root, "shared/http1/answer-parser.ts"))
  const event = (n: number) => {
    const body = JSON.stringify({ i: n, payload: "x".repeat(64) })
    const id = `8476a536-e9f4-11e8-9739-${String(n).padStart(12, "0")}`
    const trace = `Root=1-6759e988-bd862e3fe1be46a99427${String(n).padStart(4, "0")};Sampled=1`
    return Buffer.from(
      `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: ${id}\r\n` +
        `Lambda-Runtime-Deadline-Ms: ${Date.now() + 900_000}\r\n` +
        "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:f\r\n" +
        `Lambda-Runtime-Trace-Id: ${trace}\r\nDate: Sat, 28 Nov 2026 12:00:00 GMT\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    )
  }
  const accepted =
    "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nDate: Sat, 28 Nov 2026 12:00:00 GMT\r\n" +
    "Content-Length: 16\r\n\r\n{\"status\":\"OK\"}\n"
  // Bun gives each read a buffer of its own; the parser keeps views on them and never writes: 1,000 of each.
  const events = Array.from({ length: 1000 }, (_, n) => event(n))
  const accepts = Array.from({ length: 1000 }, () => Buffer.from(accepted))
  let served = 0
  let posts = 0
  const { promise: finished, resolve: finish } = Promise.withResolvers<void>()
  let loop: { halt(): void; run(): Promise<void> } | undefined
  // The double of shared/http1's Connection: an idle, reusable connection that answers on the next microtask.
  const connection = {
    alive: true,
    reusable: true,
    exchange(request: string | Uint8Array) {
      const { promise, resolve } = Promise.withResolvers<unknown>()
      const isNext = typeof request === "string" && request.startsWith("GET")
      if (isNext && served++ === invocations) {
        loop!.halt()
        finish()
        return promise
      }
      const parser = new AnswerParser()
      const bytes = isNext ? events[served % 1000]! : accepts[posts++ % 1000]!
      queueMicrotask(() => resolve(parser.feed(bytes)))
      return promise
    }
  }
  const api = new RuntimeApi("127.0.0.1:9001")
  ;(api as unknown as { transport: { idle: Array<unknown> } }).transport.idle.push(connection)
  const logger = makeLogger({ format: "Text", minimum: "ERROR" }, () => undefined, () => {})
  const loaded = { handler: async (e: unknown) => e, callbackStyle: false, init: undefined, shutdown: undefined }
  const options = { concurrency: 1, traceEnv: true }
  loop = new InvocationLoop(api, loaded, logger, singleScope(), options, (e: unknown) => {
    throw e
  })
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  void loop!.run()
  await finished
  const cpu = process.cpuUsage(cpu0)
  const wallUs = ((performance.now() - t0) * 1000) / invocations
  console.log(JSON.stringify({ cpuUs: (cpu.user + cpu.system) / invocations, wallUs }))
  process.exit(0)
}

if (args.child) await runChild(args.child, Number(args.invocations))

const root = resolve(import.meta.dir, "..")
const work = mkdtempSync(join(tmpdir(), "runtime-loop-js-"))
const layers = [{ name: "this checkout", root }]
if (args.baseline) layers.push({ name: args.baseline, root: layerAtRef(root, args.baseline, work) })
const results = new Map(layers.map((l) => [l.name, [] as Array<{ cpuUs: number; wallUs: number }>]))
for (let round = 0; round < Number(args.rounds); round++) {
  for (const layer of round % 2 === 0 ? layers : [...layers].reverse()) {
    const child = Bun.spawnSync(
      [process.execPath, import.meta.path, "--child", layer.root, "--invocations", args.invocations!],
      { env: { ...process.env, ...layerEnv(1024) }, stderr: "inherit" }
    )
    if (child.exitCode !== 0) throw new Error(`${layer.name}: round ${round} failed`)
    results.get(layer.name)!.push(JSON.parse(child.stdout.toString()))
  }
}
rmSync(work, { recursive: true, force: true })
console.log(`\n${args.invocations} echo invocations per round, ${args.rounds} rounds, µs per invocation\n`)
for (const layer of layers) {
  const r = results.get(layer.name)!
  const list = (pick: (x: { cpuUs: number; wallUs: number }) => number) => r.map((x) => fmt(pick(x), 2)).join(", ")
  console.log(`${layer.name}: CPU ${list((x) => x.cpuUs)}; wall ${list((x) => x.wallUs)}`)
}
if (args.baseline) {
  const [mine, base] = layers.map((l) => results.get(l.name)!)
  const ratios = mine!.map((m, i) => m.cpuUs / base![i]!.cpuUs)
  const lower = ratios.filter((x) => x < 1).length
  console.log(
    `CPU this / ${args.baseline} per round: ${ratios.map((x) => fmt(x, 3)).join(", ")}; median ${
      fmt(median(ratios), 3)
    }, lower in ${lower} of ${ratios.length}`
  )
}
