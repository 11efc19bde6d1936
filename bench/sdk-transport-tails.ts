/**
 * bun bench/sdk-transport-tails.ts [--requests 2000] [--warmup 300] [--rounds 4] [--parallel 1]
 *                                  [--variants socket,fetch]
 *
 * The SDK's round trips on Bun through each transport of src/aws/clients.ts (BUN_AWS_HTTP_CLIENT: the
 * function's own sockets, or fetch), their slow tail side by side. Each variant runs in a fresh process
 * per round (the order reversed every other round): a DynamoDB client as the function builds it sends
 * --warmup, then --requests BatchGetItem requests of 10 keys (--parallel at a time) to canned answers
 * served by a process of its own (bench/canned-aws.ts), and times each, send to deserialized answer.
 * Prints per variant and round the percentiles of a request's wall time and how many took over 5 and
 * 20 ms, then the medians over rounds and the sockets / fetch ratios of p50, p99 and the mean.
 */
import { BatchGetItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { Schema } from "effect"
import { parseArgs } from "node:util"
import { transport } from "../src/aws/clients.ts"
import { type AwsHttpClientName, AwsHttpClientName as ClientName } from "../src/config.ts"
import { spawnCannedAws } from "./canned-aws.ts"
import { fmt, mean, median, percentile, table } from "./stats.ts"

const decodeClient = Schema.decodeUnknownSync(ClientName)

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "2000" },
    warmup: { type: "string", default: "300" },
    rounds: { type: "string", default: "4" },
    parallel: { type: "string", default: "1" },
    variants: { type: "string", default: "socket,fetch" },
    child: { type: "string" },
    endpoint: { type: "string" }
  }
})

const requests = Number(args.requests)
const warmup = Number(args.warmup)
const parallel = Number(args.parallel)

/** In a child: the round trips of one variant, their wall times in µs printed as JSON. */
const runChild = async (variant: AwsHttpClientName, endpoint: string) => {
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIATAILSBENCH000000", secretAccessKey: "tails-bench-secret-not-a-real-one" },
    maxAttempts: 1,
    ...transport(parallel, variant)
  })
  const command = () =>
    new BatchGetItemCommand({
      RequestItems: {
        products: { Keys: Array.from({ length: 10 }, (_, i) => ({ pk: { S: `p${i}` }, sk: { S: "product" } })) }
      }
    })
  const times: Array<number> = []
  const worker = async (count: number, record: boolean) => {
    for (let i = 0; i < count; i++) {
      const start = Bun.nanoseconds()
      await client.send(command())
      if (record) times.push((Bun.nanoseconds() - start) / 1000)
    }
  }
  const each = (total: number) => Math.ceil(total / parallel)
  await Promise.all(Array.from({ length: parallel }, () => worker(each(warmup), false)))
  await Promise.all(Array.from({ length: parallel }, () => worker(each(requests), true)))
  client.destroy()
  console.log(JSON.stringify(times))
}

if (args.child) {
  await runChild(decodeClient(args.child), args.endpoint!)
  process.exit(0)
}

const variants = args.variants!.split(",").map((v) => decodeClient(v))
const { server, endpoint } = await spawnCannedAws()

interface Tail {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly p999: number
  readonly max: number
  readonly mean: number
  readonly over5: number
  readonly over20: number
}

/** A variant's round trips in µs: its percentiles (nearest rank, as every bench here), max and mean in ms. */
const tailOf = (times: Array<number>): Tail => {
  const ms = times.map((t) => t / 1000)
  return {
    p50: percentile(ms, 50),
    p90: percentile(ms, 90),
    p99: percentile(ms, 99),
    p999: percentile(ms, 99.9),
    max: Math.max(...ms),
    mean: mean(ms),
    over5: ms.filter((t) => t > 5).length,
    over20: ms.filter((t) => t > 20).length
  }
}

const results = new Map<AwsHttpClientName, Array<Tail>>(variants.map((v) => [v, []]))
const rows: Array<Array<string>> = []
try {
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const variant of round % 2 === 0 ? variants : variants.toReversed()) {
      const child = Bun.spawnSync([
        process.execPath,
        import.meta.path,
        ...["--child", variant, "--endpoint", endpoint, "--requests", String(requests)],
        ...["--warmup", String(warmup), "--parallel", String(parallel)]
      ], { stderr: "inherit" })
      if (!child.success) throw new Error(`the ${variant} child failed`)
      const tail = tailOf(JSON.parse(child.stdout.toString()))
      results.get(variant)!.push(tail)
      rows.push([
        String(round + 1),
        variant,
        ...[tail.p50, tail.p90, tail.p99, tail.p999, tail.max, tail.mean].map((x) => fmt(x, 3)),
        String(tail.over5),
        String(tail.over20)
      ])
    }
  }
} finally {
  server.kill()
}

console.log(
  `${requests} BatchGetItem round trips per variant and round, ${parallel} at a time, after ${warmup}; ms per request`
)
console.log(table(["round", "variant", "p50", "p90", "p99", "p99.9", "max", "mean", "> 5 ms", "> 20 ms"], rows))
if (results.has("socket") && results.has("fetch")) {
  const ratio = (key: keyof Tail) =>
    fmt(median(results.get("socket")!.map((s, i) => s[key] / results.get("fetch")![i]![key])), 3)
  console.log(
    `sockets / fetch, median over rounds of each round's ratio: p50 ${ratio("p50")}, p99 ${ratio("p99")}, ` +
      `p99.9 ${ratio("p999")}, mean ${ratio("mean")}`
  )
}
