/**
 * bun bench/answer-parse.ts [--iterations 20000] [--rounds 5] [--young 200] [--sdk 2000]
 *
 * The socket transport's JavaScript per request, piece by piece, in one process with no socket: the
 * function's three answers as AWS writes them (bench/canned-aws.ts: BatchGetItem of 10 keys, BatchWriteItem,
 * SendMessageBatch of 10; DynamoDB's head as DynamoDB writes it), parsed by shared/http1/answer-parser.ts in
 * one read, in two (head, then body) and chunked in 1 KB chunks; the body's UTF-8 text; a
 * promise settled per answer; and a signed request's bytes (shared/http1/request-message.ts) for each. Also
 * the round-trip probe's own mark (a getrusage and a read of /proc/thread-self/schedstat), which its
 * sockets' "body read" takes once more per read of an answer after the first. Prints µs per operation,
 * the median over rounds, with the lowest and highest round. Then the same parses in a young process, as
 * a Lambda environment runs them (a few hundred answers in its life, its code not yet optimized by the
 * JIT): per round a fresh process parses --young answers of each kind in turn, and the mean per answer
 * after the first is printed. Last, in place: per round a fresh process sends --sdk BatchGetItem requests of
 * 10 keys through the SDK's client on the socket transport (src/aws/clients.ts) to the canned answers served
 * by a process of their own, and times the socket's data handler per answer (Bun.connect wrapped from
 * outside, as the round-trip probe wraps it: its "body read"), over its first 100 answers, the next 200, and
 * so on (mean and median): the parser's cost among the SDK's code, as the function runs it, young and then warm.
 */
import { BatchGetItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { AnswerParser, bodyText } from "../shared/http1/answer-parser.ts"
import { requestMessage } from "../shared/http1/request-message.ts"
import { transport } from "../src/aws/clients.ts"
import { cannedAnswer, spawnCannedAws } from "./canned-aws.ts"
import { fmt, mean, median, table } from "./stats.ts"

const { values: args } = parseArgs({
  options: {
    iterations: { type: "string", default: "20000" },
    rounds: { type: "string", default: "5" },
    young: { type: "string", default: "200" },
    sdk: { type: "string", default: "2000" },
    child: { type: "boolean", default: false },
    "sdk-child": { type: "string" }
  }
})
const iterations = Number(args.iterations)
const rounds = Number(args.rounds)

const keys = Array.from({ length: 10 }, (_, i) => ({ pk: { S: `PRODUCT#${i}` }, sk: { S: "PRODUCT" } }))
const entries = Array.from({ length: 10 }, (_, i) => ({
  Id: String(i),
  MessageBody: JSON.stringify({ id: `product-${i}`, name: `product ${i}`, price: 12.5 }),
  MessageAttributes: { kind: { DataType: "String", StringValue: "product.added" } }
}))
const requestBodies = {
  BatchGetItem: JSON.stringify({ RequestItems: { products: { Keys: keys } } }),
  BatchWriteItem: JSON.stringify({
    RequestItems: { products: keys.map((Item) => ({ PutRequest: { Item: { ...Item, price: { N: "1" } } } })) }
  }),
  SendMessageBatch: JSON.stringify({ QueueUrl: "http://127.0.0.1:9324/000000000000/products", Entries: entries })
}
const targets = {
  BatchGetItem: "DynamoDB_20120810.BatchGetItem",
  BatchWriteItem: "DynamoDB_20120810.BatchWriteItem",
  SendMessageBatch: "AmazonSQS.SendMessageBatch"
}

/**
 * An answer's bytes as a server writes them: head (the canned headers, a date, keep-alive), then body. Each
 * has a request id of its own, as AWS's do: JavaScriptCore caches a split or a match of a string it saw
 * last, which the same bytes over and over would hit and real answers do not.
 */
const wire = (name: keyof typeof targets) => {
  const answer = cannedAnswer(targets[name], requestBodies[name])
  const body = Buffer.from(answer.body)
  const headers = {
    ...answer.headers,
    "content-length": String(body.length),
    date: new Date().toUTCString(),
    "x-amzn-requestid": crypto.randomUUID(),
    connection: "keep-alive"
  }
  const head = Buffer.from(
    `HTTP/1.1 ${answer.status} OK\r\n${Object.entries(headers).map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n`,
    "latin1"
  )
  const chunked = Buffer.concat([
    Buffer.from(head.toString("latin1").replace(/content-length: \d+\r\n/, "transfer-encoding: chunked\r\n")),
    ...Array.from({ length: Math.ceil(body.length / 1024) }, (_, i) => {
      const part = body.subarray(i * 1024, (i + 1) * 1024)
      return Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from("\r\n")])
    }),
    Buffer.from("0\r\n\r\n")
  ])
  return { head, body, whole: Buffer.concat([head, body]), chunked }
}

/** The headers the SDK signs and sends for a request (names as it spells them). */
const signedHeaders = (name: keyof typeof targets, body: string): Record<string, string> => ({
  "content-type": name === "SendMessageBatch" ? "application/x-amz-json-1.0" : "application/x-amz-json-1.0",
  "x-amz-target": targets[name],
  "x-amz-user-agent": "aws-sdk-js/3.1169.0",
  "user-agent": "aws-sdk-js/3.1169.0 ua/2.1 os/linux#6.1 lang/js md/bun#1.4.5 api/dynamodb#3.1169.0 m/E,e",
  host: "127.0.0.1:4567",
  "amz-sdk-invocation-id": crypto.randomUUID(),
  "amz-sdk-request": "attempt=1; max=3",
  "x-amz-date": "20261128T100000Z",
  "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "x-amz-security-token": "IQoJb3JpZ2luX2VjEOr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD".repeat(8),
  "content-length": String(Buffer.byteLength(body)),
  authorization: "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261128/us-east-1/dynamodb/aws4_request, " +
    "SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;" +
    "x-amz-date;x-amz-security-token;x-amz-target;x-amz-user-agent, Signature=" + "0f".repeat(32)
})

const parse = (...reads: Array<Buffer>) => {
  const parser = new AnswerParser()
  let answer
  for (const read of reads) answer = parser.feed(read)
  if (!answer) throw new Error("no answer")
  return answer
}

/** The probe's mark, as bench/round-trip-phases.ts takes it. */
const probeMark = () => {
  process.cpuUsage()
  const s = readFileSync("/proc/thread-self/schedstat", "latin1")
  return Number(s.slice(0, s.indexOf(" "))) / 1e6
}

const kinds = Object.keys(targets) as Array<keyof typeof targets>

/** In a fresh process: --young answers of each kind parsed in turn, one read each; µs per parse by kind. */
const youngChild = () => {
  const times = kinds.map(() => Array.from({ length: Number(args.young) }, () => 0))
  const answers = kinds.map((kind) => Array.from({ length: Number(args.young) }, () => wire(kind).whole))
  for (let i = 0; i < Number(args.young); i++) {
    for (let k = 0; k < kinds.length; k++) {
      const start = Bun.nanoseconds()
      parse(answers[k]![i]!)
      times[k]![i] = (Bun.nanoseconds() - start) / 1000
    }
  }
  console.log(JSON.stringify(times.map((us) => mean(us.slice(1)))))
}
const BUCKETS = [100, 300, 1000, 2000, 5000, 10000]

/** In a fresh process: the data handler's wall time per answer of the SDK's requests, by bucket (µs). */
const sdkChild = async (endpoint: string) => {
  const times: Array<number> = []
  const connect = Bun.connect
  Bun.connect = ((options: Parameters<typeof Bun.connect>[0]) => {
    const handlers = options.socket
    return connect(
      {
        ...options,
        socket: {
          ...handlers,
          data(socket, chunk) {
            const start = Bun.nanoseconds()
            try {
              return handlers.data?.(socket, chunk)
            } finally {
              times.push((Bun.nanoseconds() - start) / 1000)
            }
          }
        }
      } as typeof options
    )
  }) as typeof Bun.connect
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIAANSWERPARSE00000", secretAccessKey: "answer-parse-bench-not-a-real-one" },
    maxAttempts: 1,
    ...transport(1, "socket")
  })
  for (let i = 0; i < Number(args.sdk); i++) {
    await client.send(new BatchGetItemCommand({ RequestItems: { products: { Keys: keys } } }))
  }
  client.destroy()
  let from = 0
  const buckets: Array<[mean: number, p50: number]> = []
  for (const upTo of BUCKETS.filter((b) => b <= times.length)) {
    const bucket = times.slice(from, upTo)
    buckets.push([mean(bucket), median(bucket)])
    from = upTo
  }
  console.log(JSON.stringify(buckets))
}

if (args.child) {
  youngChild()
  process.exit(0)
}
if (args["sdk-child"]) {
  await sdkChild(args["sdk-child"])
  process.exit(0)
}

let sink: unknown
const cases: Array<[string, () => unknown]> = []
const POOL = 1024
for (const name of Object.keys(targets) as Array<keyof typeof targets>) {
  const w = Array.from({ length: POOL }, () => wire(name))
  let n = 0
  const next = () => w[n++ & (POOL - 1)]!
  cases.push(
    [`${name} (${w[0]!.whole.length} B): parse, one read`, () => parse(next().whole)],
    [`${name}: parse, head then body`, () => {
      const { head, body } = next()
      return parse(head, body)
    }],
    [`${name}: parse, chunked 1 KB`, () => parse(next().chunked)],
    [`${name}: body as text`, () => bodyText({ statusCode: 200, reason: "", headers: {}, body: next().body })]
  )
  const headers = Array.from({ length: POOL }, () => signedHeaders(name, requestBodies[name]))
  cases.push([
    `${name}: request message`,
    () => requestMessage("POST", "/", headers[n++ & (POOL - 1)]!, requestBodies[name], "127.0.0.1:4567")
  ])
  cases.push([
    `${name}: request message as bytes`,
    () => {
      const [message] = requestMessage("POST", "/", headers[n++ & (POOL - 1)]!, requestBodies[name], "127.0.0.1:4567")
      return typeof message === "string" ? Buffer.from(message) : message
    }
  ])
}
const settle = async () => {
  for (let i = 0; i < iterations; i++) {
    const { promise, resolve } = Promise.withResolvers<number>()
    resolve(i)
    sink = await promise
  }
}
cases.push(["the probe's mark (getrusage + schedstat read)", probeMark])

const perRound = new Map<string, Array<number>>()
for (let round = 0; round < rounds; round++) {
  for (const [label, run] of cases) {
    const start = Bun.nanoseconds()
    for (let i = 0; i < iterations; i++) sink = run()
    const us = (Bun.nanoseconds() - start) / iterations / 1000
    perRound.set(label, [...(perRound.get(label) ?? []), us])
  }
  const start = Bun.nanoseconds()
  await settle()
  const us = (Bun.nanoseconds() - start) / iterations / 1000
  perRound.set("a promise settled and awaited", [...(perRound.get("a promise settled and awaited") ?? []), us])
}
void sink
console.log(`µs per operation, ${iterations} per round, ${rounds} rounds, load ${(await loadAverage())}`)
console.log(table(
  ["operation", "median µs", "min", "max"],
  [...perRound].map(([label, us]) => [label, fmt(median(us), 3), fmt(Math.min(...us), 3), fmt(Math.max(...us), 3)])
))

const young = kinds.map(() => [] as Array<number>)
for (let round = 0; round < rounds; round++) {
  const child = Bun.spawnSync([process.execPath, import.meta.path, "--child", "--young", args.young!])
  const means = JSON.parse(child.stdout.toString()) as Array<number>
  means.forEach((us, k) => young[k]!.push(us))
}
console.log(`\nyoung: a fresh process per round parses ${args.young} answers of each kind in turn (one read each)`)
console.log(table(
  ["answer", "median µs", "min", "max"],
  kinds.map((kind, k) => [
    `${kind}, answers 2-${args.young}`,
    fmt(median(young[k]!), 3),
    fmt(Math.min(...young[k]!), 3),
    fmt(Math.max(...young[k]!), 3)
  ])
))

if (Number(args.sdk) > 0) {
  const { server, endpoint } = await spawnCannedAws()
  const means: Array<Array<number>> = []
  const p50s: Array<Array<number>> = []
  for (let round = 0; round < rounds; round++) {
    const child = Bun.spawn([process.execPath, import.meta.path, "--sdk-child", endpoint, "--sdk", args.sdk!], {
      stdout: "pipe",
      stderr: "inherit"
    })
    const buckets = JSON.parse(await new Response(child.stdout).text()) as Array<[number, number]>
    buckets.forEach(([mean, p50], b) => {
      ;(means[b] ??= []).push(mean)
      ;(p50s[b] ??= []).push(p50)
    })
  }
  server.kill()
  console.log(
    `\nin place: the SDK's BatchGetItem on the sockets, the data handler per answer, a fresh process per round`
  )
  console.log(table(
    ["answers", "mean µs: median [min-max] over rounds", "p50 µs: median [min-max]"],
    means.map((us, b) => [
      `${(BUCKETS[b - 1] ?? 0) + 1}-${BUCKETS[b]}`,
      `${fmt(median(us), 1)} [${fmt(Math.min(...us), 1)}-${fmt(Math.max(...us), 1)}]`,
      `${fmt(median(p50s[b]!), 1)} [${fmt(Math.min(...p50s[b]!), 1)}-${fmt(Math.max(...p50s[b]!), 1)}]`
    ])
  ))
}

async function loadAverage() {
  return (await Bun.file("/proc/loadavg").text()).split(" ").slice(0, 3).join(" ")
}
