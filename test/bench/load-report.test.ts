import { describe, expect, test } from "bun:test"
import { loadReport, README_END, README_START, readmeWithReport, type ReportContext } from "../../bench/load/report.ts"
import type { RunResult } from "../../bench/load/run-case.ts"
import { loadVariants } from "../../bench/load/variants.ts"
import { costOf } from "../../bench/pricing.ts"

const context: ReportContext = {
  date: "2026-01-02",
  messages: 1000,
  latencyMs: 4,
  concurrency: 10,
  batchSize: 10,
  memories: [128],
  cases: ["add"],
  bunVersion: "1.4.5",
  nodeVersion: "24.21.0",
  limitsNote: "limits note",
  pinningNote: "pinning note"
}

/** A run with round numbers: `average` ms per invocation, 100 invocations of 10 records. */
const run = (variantKey: string, average: number, more: Partial<RunResult> = {}): RunResult => ({
  case: "add",
  variant: `variant ${variantKey}`,
  variantKey,
  memoryMb: 128,
  messages: 1000,
  seconds: 2,
  invocations: 100,
  environments: 10,
  perEnvironment: 1,
  recordsPerInvocation: 10,
  durationMs: { max: average * 2, average, min: average / 2, p50: average, p99: average * 2 },
  coldStarts: 10,
  initDurationMs: { average: 100, max: 150 },
  maxMemoryUsedMb: 40,
  messagesPerSecond: 500,
  cost: costOf(128, Array.from({ length: 100 }, () => average)),
  awsRequests: 100,
  lost: 0,
  duplicated: 0,
  deadLetters: 0,
  failedInvocations: 0,
  durations: Array.from({ length: 100 }, () => average),
  metrics: { invocations: 0, sums: {}, timings: {} },
  ownTime: {
    awsWaitMs: { average: average / 2, p50: average / 2 },
    ownMs: { average: average / 2, p50: 1, p99: 2 },
    floorMs: 4
  },
  ownDurations: Array.from({ length: 100 }, () => average / 2),
  schedule: "alone",
  rounds: [{ invocations: 100, averageMs: average, ownAverageMs: average / 2 }],
  ...more
})

/** A run side by side in rounds: per round, its average duration and own time. */
const paired = (variantKey: string, averages: ReadonlyArray<number>, own: ReadonlyArray<number>) =>
  run(variantKey, averages.reduce((a, b) => a + b, 0) / averages.length, {
    schedule: "side by side",
    environments: 5,
    rounds: averages.map((averageMs, i) => ({ invocations: 20, averageMs, ownAverageMs: own[i]! }))
  })

describe("the load benchmark's report", () => {
  test("verdicts are this product's ratios to the baseline and to Node.js at the same memory size", () => {
    const report = loadReport([run("batched", 10), run("baseline", 50), run("node", 20)], context)
    expect(report.markdown).toContain(
      "add @ 128 MB: average 10.00 ms vs 50.00 ms one at a time = 0.200x (target ≤ 0.2x)"
    )
    expect(report.markdown).toContain("add @ 128 MB on Bun vs Node.js 24.21.0 + aws-lambda-ric: average 0.500x")
    expect(report.markdown).toContain("own time 0.500x (target ≤ 0.7x)")
    expect(report.markdown).toContain("lost 0, duplicated 0 (target 0 / 0); DLQ 0")
    expect(report.markdown).toContain("max memory used 40 MB (target < 64 MB)")
    expect(report.lost).toBe(0)
  })

  test("Bun and Node.js side by side: the verdict and a table give the per-round ratios with intervals", () => {
    // Bun at 0.5x of Node.js in every round on both measures: met; the rounds' ratios are all 0.5.
    const bun = paired("batched", [10, 12, 11, 9], [5, 6, 5.5, 4.5])
    const node = paired("node", [20, 24, 22, 18], [10, 12, 11, 9])
    const report = loadReport([bun, node], { ...context, pairNote: "pair note" })
    expect(report.markdown).toContain(
      "add @ 128 MB on Bun vs Node.js 24.21.0 + aws-lambda-ric, side by side in 4 rounds: " +
        "average 0.500x (target ≤ 0.8x, per round 0.500 [0.500, 0.500]: met), " +
        "own time 0.500x (target ≤ 0.7x, per round 0.500 [0.500, 0.500]: met)"
    )
    expect(report.markdown).toContain("pair note. ")
    // Against a variant run alone, the ratio says it mixes two conditions.
    const withBaseline = loadReport([bun, node, run("baseline", 50)], context)
    expect(withBaseline.markdown).toContain(
      "(target ≤ 0.2x); this product side by side with Node.js on 5 environments, the other alone on 10"
    )
    const rows = report.markdown.split("\n").filter((l) => l.startsWith("| 128 ") && l.includes("average "))
    expect(rows).toHaveLength(2)
    const cells = (row: string) => row.split("|").slice(1, -1).map((c) => c.trim())
    expect(cells(rows[0]!)).toEqual([
      "128",
      "average duration",
      "≤ 0.8x",
      "4 side by side",
      "0.500 – 0.500",
      "0.500 [0.500, 0.500]",
      "0.500 [0.500, 0.500]",
      "met"
    ])
    expect(rows[1]).toContain("| average own time | ≤ 0.7x |")
    // The results table says how each ran: environments, and side by side in how many rounds.
    expect(report.markdown).toMatch(/\| 0 \/ 0 +\| 5 +\| side by side, 4 rounds \|/)
  })

  test("a pair whose rounds straddle the target is not proven; one wholly above it is not met", () => {
    const straddles = loadReport([
      paired("batched", [7, 9, 7, 9], [6, 8, 6, 8]),
      paired("node", [10, 10, 10, 10], [10, 10, 10, 10])
    ], context)
    expect(straddles.markdown).toContain("average 0.800x (target ≤ 0.8x, per round 0.800 [")
    expect(straddles.markdown).toMatch(/average duration .* not proven/)
    const behind = loadReport([
      paired("batched", [12, 13, 12, 13], [9, 9.5, 9, 9.5]),
      paired("node", [10, 10, 10, 10], [10, 10, 10, 10])
    ], context)
    expect(behind.markdown).toMatch(/average duration .*\*\*not met\*\*/)
    expect(behind.markdown).toMatch(/average own time .*\*\*not met\*\*/)
  })

  test("run alone (no rounds to pair), the verdict gives the plain ratios and there is no per-round table", () => {
    const report = loadReport([run("batched", 10), run("node", 20)], context)
    expect(report.markdown).toContain("on Bun vs Node.js 24.21.0 + aws-lambda-ric: average 0.500x (target ≤ 0.8x), ")
    expect(report.markdown).not.toContain("per round")
    expect(report.markdown).toMatch(/\| 10 +\| alone \|/)
  })

  test("a table row per run, the function's own metrics only where it wrote EMF lines", () => {
    const metrics = { invocations: 100, sums: { RecordsAdded: 1000, "AwsRequests.BatchWriteItem": 100 }, timings: {} }
    const report = loadReport([run("batched", 10, { metrics }), run("baseline", 50)], context)
    const tableRows = report.markdown.split("\n").filter((l) => l.startsWith("| 128 "))
    // Results (2), metrics (1: the baseline writes none), own time (2).
    expect(tableRows).toHaveLength(5)
    expect(report.markdown).toContain("BatchWriteItem 100")
  })

  test("loss and duplicates are summed over every run", () => {
    const report = loadReport([run("batched", 10, { lost: 2 }), run("baseline", 50, { duplicated: 3 })], context)
    expect([report.lost, report.duplicated]).toEqual([2, 3])
    expect(report.markdown).toContain("lost 2, duplicated 3 (target 0 / 0)")
  })

  test("reads: answers the function says it sent beside those found; a shortfall it claims is unaccounted", () => {
    const answers = { claimed: 1000, proxied: 1000, found: 990, unaccounted: 10, drainRetries: 0, leftOnQueue: 10 }
    const report = loadReport([run("managed", 10, { case: "read", answers })], { ...context, cases: ["read"] })
    expect(report.markdown).toContain(
      "| 128 | variant managed | 1000     | 1000       | 1000           | 990   | 0    | 10          | 0   | 0 (10 left"
    )
    expect(report.markdown).toContain("; unaccounted 10 (answers the function says it sent")
    expect([report.lost, report.unaccounted]).toEqual([0, 10])
  })

  test("writes per case its JSON and chart, and the Markdown report, all named by date", () => {
    const report = loadReport([run("batched", 10)], context)
    expect(report.files.map((f) => f.name)).toEqual([
      "2026-01-02-add.json",
      "2026-01-02-add.svg",
      "2026-01-02-report.md"
    ])
    const json = JSON.parse(report.files[0]!.content)
    expect(json.settings).toEqual({ messages: 1000, latencyMs: 4, concurrency: 10, batchSize: 10, memories: [128] })
    expect(json.results).toHaveLength(1)
    expect(report.files[1]!.content).toStartWith("<svg")
    expect(report.files[2]!.content).toBe(report.markdown)
    expect(report.markdown).toContain("![duration per memory size](2026-01-02-add.svg)")
  })
})

describe("the README's bench section", () => {
  const readme = `# Title\n\nbefore\n${README_START}\nold report\n${README_END}\nafter\n`

  test("holds the report one heading level down, its charts linked from bench/results/", () => {
    const updated = readmeWithReport(readme, "# Load\n\n## Add\n\n![chart](2026-01-02-add.svg)\n")!
    expect(updated).toBe(
      `# Title\n\nbefore\n${README_START}\n### Load\n\n#### Add\n\n![chart](bench/results/2026-01-02-add.svg)\n\n` +
        `${README_END}\nafter\n`
    )
  })

  test("a README without the markers is not touched", () => {
    expect(readmeWithReport("# Title\n", "# Load\n")).toBeUndefined()
  })
})

describe("the variants a run measures", () => {
  const shipped = { taskRoot: "/task", bootstrap: "/opt/bootstrap" }
  const choice = { shipped, quick: false, baseline: true, perEnvironment: 5, concurrency: 10 }

  test("by default: this product, the baseline on both transports, Managed Instances", () => {
    const variants = loadVariants(choice)
    expect(variants.map((v) => v.key)).toEqual(["batched", "baseline", "baseline-fetch", "managed"])
    expect(variants.at(-1)).toMatchObject({ perEnvironment: 5, environments: 2 })
  })

  test("--quick drops the fetch-transport baseline, --no-baseline both, --no-managed the last", () => {
    expect(loadVariants({ ...choice, quick: true }).map((v) => v.key)).toEqual(["batched", "baseline", "managed"])
    expect(loadVariants({ ...choice, baseline: false, perEnvironment: 0 }).map((v) => v.key)).toEqual(["batched"])
  })

  test("the Node.js variant is set up only when asked for", () => {
    let setUp = 0
    const node = () => (setUp++, { name: "node", key: "node" })
    expect(loadVariants({ ...choice, node }).map((v) => v.key)).toContain("node")
    expect(setUp).toBe(1)
  })
})
