/**
 * The measured process of bench/hot-path.ts, on Bun or on Node.js 24 (which strips the types: this file
 * uses only node: built-ins and erasable syntax). Usage: <runner> BUNDLE CASE INVOCATIONS WARMUP OUT.
 *
 * Loads the function bundle as its runtime would (Bun: the CommonJS handler.js and its __lambdaInit;
 * Node.js: the ESM handler.mjs, which awaits its init), invokes it WARMUP times, then INVOCATIONS times
 * one after the other with an SQS event of 10 records of CASE (read or add), built beforehand, and
 * writes to OUT the CPU those invocations cost: the process's (all threads, process.cpuUsage) and each
 * thread's (/proc/self/task/<tid>/schedstat, by thread name).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { type CaseKind, workloadBodies } from "./load/workload-bodies.ts"
import { sqsRecord } from "./sqs-record.ts"

const [bundle, kind, invocationsArg, warmupArg, out] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string
]
const invocations = Number(invocationsArg)
const warmup = Number(warmupArg)

type Handler = (event: unknown, context: unknown) => Promise<{ batchItemFailures: Array<unknown> }>
const loaded = bundle.endsWith(".mjs") ? await import(bundle) : createRequire(import.meta.url)(bundle)
if (typeof loaded.__lambdaInit === "function") await loaded.__lambdaInit()
const handler = loaded.handler as Handler

const RECORDS = 10
// HOT_PATH_VARIED=1: every message its own, the load benchmark's (reads of its 1,000 seeded products), and each
// event parsed from its JSON when invoked, as a runtime hands it over; else the same ten bodies in every event.
const varied = process.env.HOT_PATH_VARIED === "1"
let sent = 0
const body = (i: number): string =>
  varied
    ? workloadBodies(kind as CaseKind, sent++, 1, 1_000)[0]!
    : kind === "read"
    ? JSON.stringify({ pk: `product-${i}` })
    : JSON.stringify({ name: `product ${i}`, price: 10 + i })

const event = () => {
  const now = String(Date.now())
  return {
    Records: Array.from({ length: RECORDS }, (_, i) => sqsRecord(body(i), now))
  }
}

const context = (n: number) => {
  const deadline = Date.now() + 30_000
  return { awsRequestId: `hot-path-${n}`, getRemainingTimeInMillis: () => deadline - Date.now() }
}

/** On-CPU nanoseconds of each live thread, keyed by "tid name". */
const threadCpu = (): Map<string, number> => {
  const threads = new Map<string, number>()
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim()
      const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ")[0])
      threads.set(`${tid} ${name}`, ns)
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return threads
}

const run = async (events: Array<unknown>, from: number) => {
  for (let i = 0; i < events.length; i++) {
    const result = await handler(varied ? JSON.parse(events[i] as string) : events[i], context(from + i))
    if (result.batchItemFailures.length > 0) throw new Error(`invocation ${from + i}: records failed`)
  }
}

const built = () => (varied ? JSON.stringify(event()) : event())
await run(Array.from({ length: warmup }, built), 0)
const events = Array.from({ length: invocations }, built)
const threadsBefore = threadCpu()
const cpuBefore = process.cpuUsage()
const started = performance.now()
await run(events, warmup)
const wallMs = performance.now() - started
const cpu = process.cpuUsage(cpuBefore)
const threadsAfter = threadCpu()

// Per thread name: the CPU of its threads over the measured invocations (threads born meanwhile from 0).
const byName: Record<string, number> = {}
const mainTid = String(process.pid)
let mainMs = 0
for (const [key, ns] of threadsAfter) {
  const ms = (ns - (threadsBefore.get(key) ?? 0)) / 1e6
  const [tid, ...name] = key.split(" ")
  if (tid === mainTid) mainMs = ms
  else byName[name.join(" ")] = (byName[name.join(" ")] ?? 0) + ms
}
writeFileSync(
  out,
  JSON.stringify({
    invocations,
    cpuMs: (cpu.user + cpu.system) / 1000,
    userMs: cpu.user / 1000,
    systemMs: cpu.system / 1000,
    mainThreadMs: mainMs,
    otherThreadsMs: byName,
    wallMs
  })
)
process.exit(0)
