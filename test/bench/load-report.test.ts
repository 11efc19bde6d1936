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

/** The verdict lines of a report. */
const verdictLines = (markdown: string) =>
  markdown.split("## Verdict")[1]!.split("\n").filter((l) => l.startsWith("- "))

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
    const bun = paired("batched-paired", [10, 12, 11, 9], [5, 6, 5.5, 4.5])
    const node = paired("node", [20, 24, 22, 18], [10, 12, 11, 9])
    const report = loadReport([bun, node], { ...context, pairNote: "pair note" })
    expect(report.markdown).toContain(
      "add @ 128 MB on Bun vs Node.js 24.21.0 + aws-lambda-ric, side by side in 4 rounds on 5 environments each: " +
        "average 0.500x (target ≤ 0.8x, per round 0.500 [0.500, 0.500]: met), " +
        "own time 0.500x (target ≤ 0.7x, per round 0.500 [0.500, 0.500]: met)"
    )
    expect(report.markdown).toContain("pair note. ")
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
    // What the duration target asks: Node.js 10.5 own + 10.5 wait, Bun waits 5.25: 0.8 × 21 − 5.25 = 11.55 ms,
    // 1.100x of Node.js's own time (the waits of these made-up runs are half a duration each).
    expect(report.markdown).toContain("What the duration target (≤ 0.8x) asks of the function")
    expect(report.markdown).toMatch(/\| 128 +\| 5\.25 +\| 10\.50 +\| 10\.50 +\| ≤ 1\.100x +\| 0\.500x +\|/)
    // The results table says how each ran: environments, and side by side in how many rounds.
    expect(report.markdown).toMatch(/\| 0 \/ 0 +\| 5 +\| side by side, 4 rounds \|/)
  })

  test("a pair whose rounds straddle the target is not proven; one wholly above it is not met", () => {
    const straddles = loadReport([
      paired("batched-paired", [7, 9, 7, 9], [6, 8, 6, 8]),
      paired("node", [10, 10, 10, 10], [10, 10, 10, 10])
    ], context)
    expect(straddles.markdown).toContain("average 0.800x (target ≤ 0.8x, per round 0.800 [")
    expect(straddles.markdown).toMatch(/average duration .* not proven/)
    const behind = loadReport([
      paired("batched-paired", [12, 13, 12, 13], [9, 9.5, 9, 9.5]),
      paired("node", [10, 10, 10, 10], [10, 10, 10, 10])
    ], context)
    expect(behind.markdown).toMatch(/average duration .*\*\*not met\*\*/)
    expect(behind.markdown).toMatch(/average own time .*\*\*not met\*\*/)
    // The verdict line says it in the table's words.
    expect(behind.markdown).toMatch(/average 1\.250x \(target ≤ 0\.8x, per round 1\.250 \[[^\]]*\]: not met\)/)
    expect(straddles.markdown).toMatch(/average 0\.800x \(target ≤ 0\.8x, per round 0\.800 \[[^\]]*\]: not proven\)/)
  })

  test("each verdict compares like with like: Node.js with the run beside it, the rest with the run alone", () => {
    // This product alone at 10 ms on 10 environments, beside Node.js at 25 ms on 5 (the machine shared).
    const alone = run("batched", 10, { variant: "batched (this product)", maxMemoryUsedMb: 40 })
    const beside = paired("batched-paired", [25, 25, 25, 25], [12, 12, 12, 12])
    const results = [
      alone,
      run("baseline", 50),
      run("baseline-transport", 40),
      { ...beside, variant: "batched, side by side with Node.js", maxMemoryUsedMb: 45 },
      paired("node", [50, 50, 50, 50], [24, 24, 24, 24]),
      run("managed", 12, { perEnvironment: 5, environments: 2, messagesPerSecond: 400 })
    ]
    const report = loadReport(results, context)
    const verdicts = verdictLines(report.markdown)
    // Baselines: the run alone (10 ms), not the one beside Node.js (25 ms: 0.5x, over the target).
    expect(verdicts).toContain("- add @ 128 MB: average 10.00 ms vs 50.00 ms one at a time = 0.200x (target ≤ 0.2x)")
    expect(verdicts).toContain("- add @ 128 MB vs one at a time on the same transport: 0.250x (batching alone)")
    // Node.js: the run beside it (25 vs 50 ms: 0.5x), not the run alone (10 vs 50: 0.2x).
    expect(verdicts.find((v) => v.includes("on Bun vs Node.js"))).toStartWith(
      "- add @ 128 MB on Bun vs Node.js 24.21.0 + aws-lambda-ric, side by side in 4 rounds on 5 environments each: " +
        "average 0.500x (target ≤ 0.8x, per round 0.500 [0.500, 0.500]: met), own time 0.500x"
    )
    // Managed Instances: per environment against the run alone (500 msg/s on 10 environments).
    expect(verdicts).toContain(
      "- add @ 128 MB, 5 invocations per environment (Managed Instances) vs 1: 200 vs 50 msg/s per environment " +
        "(4.00x) on 2 vs 10 environments, max memory 40 vs 40 MB per environment, average duration 12.00 vs 10.00 ms"
    )
    // One line each, none of them mixing a run beside Node.js with one alone.
    expect(verdicts.filter((v) => v.startsWith("- add @ 128 MB"))).toHaveLength(4)
    expect(report.markdown).not.toContain(" alone on 10")
    // The memory target holds for both of this product's runs.
    expect(verdicts).toContain("- max memory used 45 MB (target < 64 MB)")
    // Both of this product's rows in the results table, named, with their environments and how they ran.
    expect(report.markdown).toMatch(/\| 128 \| batched \(this product\) .*\| 10 +\| alone +\|/)
    expect(report.markdown).toMatch(
      /\| 128 \| batched, side by side with Node\.js .*\| 5 +\| side by side, 4 rounds \|/
    )
    // The per-round table pairs the run beside Node.js.
    expect(report.markdown).toMatch(/\| 128 \| average duration \| ≤ 0\.8x \| 4 side by side \| 0\.500 – 0\.500 /)
    // Cost and chart: the run alone (the chart is the one of a report with only it and the baseline).
    const cost = (r: RunResult) => `$${r.cost.totalUsd.arm64.toFixed(r.cost.totalUsd.arm64 < 0.01 ? 6 : 4)}`
    expect(report.markdown).toContain(
      `Cheapest memory size for this case (this product run alone): **128 MB** (${cost(alone)} on arm64`
    )
    expect(cost(alone)).not.toBe(cost(beside))
    const svg = (r: typeof report) => r.files.find((f) => f.name.endsWith(".svg"))!.content
    expect(svg(report)).toContain("by memory size, this product run alone")
    expect(svg(report)).toBe(svg(loadReport([alone, run("baseline", 50)], context)))
    expect(svg(report)).not.toBe(svg(loadReport([{ ...beside, variantKey: "batched" }, run("baseline", 50)], context)))
  })

  test("with --no-node (no run beside Node.js) every verdict uses the run alone", () => {
    const report = loadReport([run("batched", 10), run("baseline", 50), run("managed", 12)], context)
    const verdicts = verdictLines(report.markdown)
    expect(verdicts).toContain("- add @ 128 MB: average 10.00 ms vs 50.00 ms one at a time = 0.200x (target ≤ 0.2x)")
    expect(verdicts.some((v) => v.includes("Node.js"))).toBe(false)
    expect(report.markdown).not.toContain("Bun / Node.js per round")
    expect(report.markdown).toContain("Cheapest memory size for this case (this product run alone): **128 MB**")
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
    // 1,000 measured requests after a warm-up of 100: the accounting covers all 1,100.
    const answers = {
      requests: 1100,
      claimed: 1100,
      proxied: 1100,
      found: 1090,
      unaccounted: 10,
      drainRetries: 0,
      leftOnQueue: 10
    }
    const report = loadReport([run("managed", 10, { case: "read", answers })], { ...context, cases: ["read"] })
    expect(report.markdown).toContain(
      "| 128 | variant managed | 1100     | 1100       | 1100           | 1090  | 0    | 10          | 0   | 0 (10 left"
    )
    expect(report.markdown).toContain("; unaccounted 10 (answers the function says it sent")
    expect([report.lost, report.unaccounted]).toEqual([0, 10])
  })

  test("the warm-up: its size in the header, one line per run with its own averages, apart from the tables", () => {
    const warmup = {
      perEnvironment: 200,
      messages: 20_000,
      invocations: 2_000,
      environments: 10,
      fewestPerEnvironment: 150,
      averageMs: 55.5,
      ownAverageMs: 44.25
    }
    const report = loadReport(
      [run("batched", 10, { warmup }), run("managed", 12, { warmup: { ...warmup, ownAverageMs: Number.NaN } })],
      { ...context, warmup: 200, aloneNote: "alone note" }
    )
    expect(report.markdown).toContain("alone note. Every environment first serves a warm-up of 200 invocations")
    expect(report.markdown).toContain(
      "- 128 MB variant batched: 2000 invocations (20000 messages) on 10 environments, at least 150 each; " +
        "average 55.50 ms, own time 44.25 ms\n"
    )
    expect(report.markdown).toContain(
      "- 128 MB variant managed: 2000 invocations (20000 messages) on 10 environments, at least 150 each; average 55.50 ms\n"
    )
    // The tables and the verdicts are the measured rounds': the warm-up's 55.5 ms appears in its line only.
    expect(report.markdown.match(/55\.50/g)).toHaveLength(2)
    expect(report.markdown).toContain("| 10.00  |")
  })

  test("a warm-up that did not reach every environment says how many started after it", () => {
    const warmup = {
      perEnvironment: 20,
      messages: 2_000,
      invocations: 200,
      environments: 8,
      fewestPerEnvironment: 3,
      averageMs: 20,
      ownAverageMs: 10
    }
    const report = loadReport([run("batched", 10, { warmup })], { ...context, warmup: 20 })
    expect(report.markdown).toContain("; 2 more started in the measured rounds (cold starts there)")
  })

  test("--warmup 0 says so", () => {
    const report = loadReport([run("batched", 10)], { ...context, warmup: 0 })
    expect(report.markdown).toContain("No warm-up (--warmup 0)")
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
    expect(variants.map((v) => v.key)).toEqual(["batched", "baseline", "baseline-transport", "managed"])
    expect(variants.at(-1)).toMatchObject({ perEnvironment: 5, environments: 2 })
  })

  test("--quick drops the fetch-transport baseline, --no-baseline both, --no-managed the last", () => {
    expect(loadVariants({ ...choice, quick: true }).map((v) => v.key)).toEqual(["batched", "baseline", "managed"])
    expect(loadVariants({ ...choice, baseline: false, perEnvironment: 0 }).map((v) => v.key)).toEqual(["batched"])
  })

  test("the Node.js variant is set up only when asked for, with a second run of this product to pair it with", () => {
    let setUp = 0
    const node = () => (setUp++, { name: "node", key: "node" })
    const variants = loadVariants({ ...choice, node })
    expect(variants.map((v) => v.key)).toEqual([
      "batched",
      "baseline",
      "baseline-transport",
      "batched-paired",
      "node",
      "managed"
    ])
    expect(setUp).toBe(1)
    // The same function twice: alone, and beside Node.js, named by how it runs.
    const [alone, beside] = [variants[0]!, variants[3]!]
    expect(beside.function).toEqual(alone.function!)
    // Alternating rounds unless asked otherwise: side by side, each runtime waited for the other's CPU.
    expect([alone.name, beside.name]).toEqual(["batched (this product)", "batched, alternating with Node.js"])
    expect(loadVariants({ ...choice, node, pairSchedule: "side by side" })[3]!.name).toBe(
      "batched, side by side with Node.js"
    )
    expect(loadVariants(choice).map((v) => v.key)).not.toContain("batched-paired")
  })

  test("--bun-env reaches this product's runs only, not the baselines' nor Node.js's", () => {
    const bunEnv = { BUN_JSC_useDFGJIT: "true" }
    const variants = loadVariants({ ...choice, node: () => ({ name: "node", key: "node" }), bunEnv })
    const envOf = Object.fromEntries(variants.map((v) => [v.key, v.env]))
    expect(envOf).toEqual({
      batched: bunEnv,
      baseline: undefined,
      "baseline-transport": { BASELINE_TRANSPORT: "product" },
      "batched-paired": bunEnv,
      node: undefined,
      managed: bunEnv
    })
    expect(loadVariants(choice).every((v) => v.env?.BUN_JSC_useDFGJIT === undefined)).toBe(true)
  })
})
