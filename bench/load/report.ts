import { durationChart } from "../chart.ts"
import { ownRatioForDuration, ownTimeTable } from "../own-time.ts"
import type { Interval, PairedComparison } from "../paired-ratio.ts"
import { PRICES_AS_OF } from "../pricing.ts"
import { fmt, table } from "../stats.ts"
import { contentionTable } from "./contention.ts"
import { PAIR_TARGETS, type PairedRatios, pairedRatios } from "./pairing.ts"
import type { LoadCase, RunResult } from "./run-case.ts"
import { BUN_ALONE, BUN_PAIRED } from "./variants.ts"

/** What a report says about the run beside its results. */
export interface ReportContext {
  /** YYYY-MM-DD: the reports' file names and title. */
  readonly date: string
  readonly messages: number
  readonly latencyMs: number
  readonly concurrency: number
  readonly batchSize: number
  readonly memories: ReadonlyArray<number>
  readonly cases: ReadonlyArray<LoadCase>
  readonly bunVersion: string
  /** Node.js version of the Node.js variant. */
  readonly nodeVersion: string
  /** Whether environments were held to their memory and CPU, and whether they were pinned (--pin). */
  readonly limitsNote: string
  readonly pinningNote: string
  /**
   * How Bun and its Node.js twin ran (side by side or alternating, environments each, the machine),
   * beside this product's run alone.
   */
  readonly pairNote?: string
  /** How many environments the runs alone had, per memory size, and whether their CPU shares fit. */
  readonly aloneNote?: string
  /** Warm-up invocations per environment before the measured rounds (0: none). */
  readonly warmup?: number
}

export interface ReportFile {
  readonly name: string
  readonly content: string
}

export interface LoadReport {
  readonly markdown: string
  /** <date>-<case>.json and .svg per case, and <date>-report.md. */
  readonly files: ReadonlyArray<ReportFile>
  readonly lost: number
  readonly duplicated: number
  /** Answers the function says it sent that the output queue did not give back (a shortfall of the count). */
  readonly unaccounted: number
}

const usd = (n: number) => `$${n.toFixed(n < 0.01 ? 6 : 4)}`

const ratio = (a: number, b: number) => fmt(a / b, 3)

const resultsTable = (results: ReadonlyArray<RunResult>) =>
  table(
    [
      "MB",
      "variant",
      "invocations",
      "records/inv",
      "AWS calls",
      "max ms",
      "avg ms",
      "min ms",
      "p50 ms",
      "p99 ms",
      "cold starts / init ms",
      "max mem MB",
      "msg/s",
      "GB-s",
      "cost arm64",
      "cost x86_64",
      "lost / dup",
      "envs",
      "run"
    ],
    results.map((r) => [
      `${r.memoryMb}`,
      r.variant,
      String(r.invocations),
      fmt(r.recordsPerInvocation),
      String(r.awsRequests),
      fmt(r.durationMs.max, 2),
      fmt(r.durationMs.average, 2),
      fmt(r.durationMs.min, 2),
      fmt(r.durationMs.p50, 2),
      fmt(r.durationMs.p99, 2),
      `${r.coldStarts} / ${fmt(r.initDurationMs.average, 0)}`,
      String(r.maxMemoryUsedMb),
      fmt(r.messagesPerSecond, 0),
      fmt(r.cost.gbSeconds, 3),
      usd(r.cost.totalUsd.arm64),
      usd(r.cost.totalUsd.x86_64),
      `${r.lost} / ${r.duplicated}`,
      String(r.environments),
      r.schedule === "alone" ? "alone" : `${r.schedule}, ${r.rounds.length} rounds`
    ])
  )

const interval = (i: Interval) => `${fmt(i.estimate, 3)} [${fmt(i.lower, 3)}, ${fmt(i.upper, 3)}]`
const spread = (c: PairedComparison) =>
  c.ratios.length ? `${fmt(Math.min(...c.ratios), 3)} – ${fmt(Math.max(...c.ratios), 3)}` : "-"

const resultOf = (results: ReadonlyArray<RunResult>, key: string, memoryMb: number) =>
  results.find((r) => r.variantKey === key && r.memoryMb === memoryMb)

/**
 * Which of this product's runs each comparison uses, so that both sides ran alike: the run beside
 * Node.js for Node.js (the run alone where there is none, as with Node.js alone too), the run alone for
 * everything else (the baselines, Managed Instances, the cost and the chart, all run alone).
 */
export const bunFor = (results: ReadonlyArray<RunResult>, memoryMb: number) => ({
  alone: resultOf(results, BUN_ALONE, memoryMb),
  besideNode: resultOf(results, BUN_PAIRED, memoryMb) ?? resultOf(results, BUN_ALONE, memoryMb)
})

/** This product's memory sizes, in the order they ran. */
const bunMemories = (results: ReadonlyArray<RunResult>) => [
  ...new Set(results.filter((r) => r.variantKey === BUN_ALONE || r.variantKey === BUN_PAIRED).map((r) => r.memoryMb))
]

/** Bun and its Node.js twin at one memory size, with their per-round ratios where they ran in rounds. */
const pairsOf = (results: ReadonlyArray<RunResult>) =>
  bunMemories(results).flatMap((memoryMb) => {
    const bun = bunFor(results, memoryMb).besideNode
    const node = resultOf(results, "node", memoryMb)
    const paired = bun && node && pairedRatios(bun, node)
    return bun && node && paired ? [{ bun, node, paired }] : []
  })

/** A paired comparison's verdict against its target, in the same words in the table and the verdict lines. */
const targetVerdict = (c: PairedComparison): string =>
  c.verdict === "within" ? "met" : c.verdict === "over" ? "not met" : "not proven"

/** Per memory size, Bun / Node.js per round on both measures: spread, intervals, verdict against the target. */
const pairTable = (results: ReadonlyArray<RunResult>): Array<string> => {
  const pairs = pairsOf(results)
  if (pairs.length === 0) return []
  const row = (bun: RunResult, paired: PairedRatios, measure: "duration" | "ownTime") => {
    const c = paired[measure]
    return [
      `${bun.memoryMb}`,
      measure === "duration" ? "average duration" : "average own time",
      `≤ ${PAIR_TARGETS[measure]}x`,
      `${paired.rounds} ${bun.schedule}`,
      spread(c),
      interval(c.bootstrap),
      interval(c.logT),
      c.verdict === "over" ? `**${targetVerdict(c)}**` : targetVerdict(c)
    ]
  }
  return [
    "Bun / Node.js per round (each round's average over the other's of the same round), 95% intervals over " +
    "rounds: a bootstrap of the ratio of the means (rounds resampled, each round's pair kept together) and a " +
    "paired t on the rounds' log-ratios (its geometric mean); met only where both lie wholly within the target:",
    "",
    table(
      [
        "MB",
        "measure",
        "target",
        "rounds",
        "per-round min – max",
        "ratio of means [bootstrap]",
        "geometric mean [paired t]",
        "verdict"
      ],
      pairs.flatMap(({ bun, paired }) => [row(bun, paired, "duration"), row(bun, paired, "ownTime")])
    ),
    "",
    ...durationReach(pairs)
  ]
}

/**
 * What the duration target asks of the function at each size, given the waits on AWS as measured: the
 * own-time ratio at which Bun's average duration would be at the target (bench/own-time.ts).
 */
const durationReach = (pairs: ReturnType<typeof pairsOf>): Array<string> => {
  const rows = pairs.flatMap(({ bun, node }) =>
    bun.ownTime && node.ownTime ? [{ bun, node, b: bun.ownTime, n: node.ownTime }] : []
  )
  if (rows.length === 0) return []
  return [
    `What the duration target (≤ ${PAIR_TARGETS.duration}x) asks of the function, the waits on AWS as measured ` +
    "(a duration is own time + wait): the own-time ratio Bun would need; " +
    "at or below 0 the wait alone is over the target, and no function could reach it:",
    "",
    table(
      [
        "MB",
        "Bun wait ms",
        "Node.js wait ms",
        "Node.js own ms",
        "own time needed for the duration target",
        "own time measured"
      ],
      rows.map(({ bun, node, b, n }) => {
        const needed = ownRatioForDuration(PAIR_TARGETS.duration, b, n)
        return [
          `${bun.memoryMb}`,
          fmt(b.awsWaitMs.average, 2),
          fmt(n.awsWaitMs.average, 2),
          fmt(n.ownMs.average, 2),
          needed > 0 ? `≤ ${fmt(needed, 3)}x` : `unreachable (${fmt(needed, 3)}x)`,
          `${ratio(b.ownMs.average, n.ownMs.average)}x`
        ]
      })
    ),
    ""
  ]
}

/**
 * One line per run: its warm-up, left out of every statistic of the report, with its own averages so
 * that nothing is hidden (a first round that ran slow shows here, not in the tables).
 */
export const warmupLines = (results: ReadonlyArray<RunResult>, perEnvironment: number): Array<string> => {
  if (perEnvironment <= 0) {
    return ["No warm-up (--warmup 0): the measured rounds include the environments' first invocations.", ""]
  }
  const warmed = results.flatMap((r) => (r.warmup ? [{ r, w: r.warmup }] : []))
  if (warmed.length === 0) return []
  return [
    `Warm-up before the measured rounds: ${perEnvironment} invocations per environment (the same kind of ` +
    "messages; a pair's two sides at the same time), left out of every statistic above and below (durations, " +
    "own time, rounds, cost, CPU contention, AWS calls, the function's metrics) and counted in lost / " +
    "duplicated / DLQ; cold starts, init and max memory are the environments' and include it. Its own averages:",
    "",
    ...warmed.map(({ r, w }) =>
      `- ${r.memoryMb} MB ${r.variant}: ${w.invocations} invocations (${w.messages} messages) on ${w.environments} ` +
      `environment${w.environments === 1 ? "" : "s"}, at least ${w.fewestPerEnvironment} each; average ${
        fmt(w.averageMs, 2)
      } ms${Number.isFinite(w.ownAverageMs) ? `, own time ${fmt(w.ownAverageMs, 2)} ms` : ""}` +
      (w.environments < r.environments
        ? `; ${r.environments - w.environments} more started in the measured rounds (cold starts there)`
        : "")
    ),
    ""
  ]
}

/** Per run, what the function itself counted (its EMF lines): the same numbers CloudWatch would show. */
const metricsTable = (results: ReadonlyArray<RunResult>): Array<string> => {
  const measured = results.filter((r) => r.metrics.invocations > 0)
  if (measured.length === 0) return []
  const sum = (r: RunResult, name: string) => String(r.metrics.sums[name] ?? 0)
  const requests = (r: RunResult) =>
    Object.entries(r.metrics.sums).filter(([k]) => k.startsWith("AwsRequests.")).map(([k, v]) => `${k.slice(12)} ${v}`)
      .join(", ")
  const rows = measured.map((r) => [
    `${r.memoryMb}`,
    r.variant,
    String(r.metrics.invocations),
    sum(r, "ColdStart"),
    sum(r, "RecordsReceived"),
    sum(r, "RecordsAdded"),
    sum(r, "ReadsFound"),
    sum(r, "ReadsNotFound"),
    sum(r, "RecordsDeadLettered"),
    sum(r, "RecordsRetried"),
    sum(r, "RecordsHandedBack"),
    requests(r),
    fmt(r.metrics.timings.OldestRecordAge?.max ?? Number.NaN, 0)
  ])
  return [
    "The function's own metrics per run (its EMF lines, as CloudWatch would count them):",
    "",
    table([
      "MB",
      "variant",
      "invocations",
      "cold starts",
      "received",
      "added",
      "found",
      "not found",
      "to DLQ",
      "retried",
      "handed back",
      "AWS requests",
      "oldest record max ms"
    ], rows),
    ""
  ]
}

/** Read case: per run, the answers the function says it sent beside those found on the output queue. */
const answersTable = (results: ReadonlyArray<RunResult>): Array<string> => {
  const counted = results.flatMap((r) => (r.answers ? [{ r, a: r.answers }] : []))
  if (counted.length === 0) return []
  return [
    "Answers per run, the warm-up's requests included: sent by the function's own count (EMF found + not " +
    "found), sent as the proxies saw them " +
    "(output-queue entries), found on the output queue; unaccounted = claimed by the function but not found " +
    "(a shortfall of the count, not a lost message); drain retries = empty receives while the queue still " +
    "counted messages:",
    "",
    table(
      [
        "MB",
        "variant",
        "requests",
        "sent (EMF)",
        "sent (proxies)",
        "found",
        "lost",
        "unaccounted",
        "dup",
        "drain retries"
      ],
      counted.map(({ r, a }) => [
        `${r.memoryMb}`,
        r.variant,
        String(a.requests),
        a.claimed === undefined ? "no metrics" : String(a.claimed),
        String(a.proxied),
        String(a.found),
        String(r.lost),
        String(a.unaccounted),
        String(r.duplicated),
        `${a.drainRetries}${a.leftOnQueue > 0 ? ` (${a.leftOnQueue} left on the queue)` : ""}`
      ])
    ),
    ""
  ]
}

/**
 * This product's runs of a case at one memory size against the other variants at that size, each
 * against the run of this product that ran as it did (bunFor): the targets.
 */
const verdictsOf = (kind: LoadCase, results: ReadonlyArray<RunResult>, nodeVersion: string): Array<string> => {
  const verdicts: Array<string> = []
  for (const memoryMb of bunMemories(results)) {
    const at = `${kind} @ ${memoryMb} MB`
    const { alone, besideNode: bun } = bunFor(results, memoryMb)
    const base = resultOf(results, "baseline", memoryMb)
    if (alone && base) {
      verdicts.push(
        `${at}: average ${fmt(alone.durationMs.average, 2)} ms vs ${
          fmt(base.durationMs.average, 2)
        } ms one at a time = ` +
          `${ratio(alone.durationMs.average, base.durationMs.average)}x (target ≤ 0.2x)`
      )
    }
    const sameTransport = resultOf(results, "baseline-transport", memoryMb)
    if (alone && sameTransport) {
      verdicts.push(
        `${at} vs one at a time on the same transport: ` +
          `${ratio(alone.durationMs.average, sameTransport.durationMs.average)}x (batching alone)`
      )
    }
    const node = resultOf(results, "node", memoryMb)
    if (bun && node) {
      const paired = pairedRatios(bun, node)
      const perRound = (c: PairedComparison | undefined) =>
        c ? `, per round ${interval(c.bootstrap)}: ${targetVerdict(c)}` : ""
      verdicts.push(
        `${at} on Bun vs Node.js ${nodeVersion} + aws-lambda-ric${
          paired ? `, ${bun.schedule} in ${paired.rounds} rounds on ${bun.environments} environments each` : ""
        }: ` +
          `average ${ratio(bun.durationMs.average, node.durationMs.average)}x (target ≤ ${PAIR_TARGETS.duration}x${
            perRound(paired?.duration)
          }), ` +
          `own time ${ratio(bun.ownTime?.ownMs.average ?? NaN, node.ownTime?.ownMs.average ?? NaN)}x ` +
          `(target ≤ ${PAIR_TARGETS.ownTime}x${perRound(paired?.ownTime)}), ` +
          `init ${ratio(bun.initDurationMs.average, node.initDurationMs.average)}x, ` +
          `max memory ${bun.maxMemoryUsedMb} vs ${node.maxMemoryUsedMb} MB, ` +
          `cost ${ratio(bun.cost.totalUsd.arm64, node.cost.totalUsd.arm64)}x`
      )
    }
    const managed = resultOf(results, "managed", memoryMb)
    if (alone && managed) {
      const perEnv = (x: RunResult) => x.messagesPerSecond / x.environments
      verdicts.push(
        `${at}, ${managed.perEnvironment} invocations per environment (Managed Instances) vs 1: ` +
          `${fmt(perEnv(managed), 0)} vs ${fmt(perEnv(alone), 0)} msg/s per environment (${
            fmt(perEnv(managed) / perEnv(alone), 2)
          }x) on ${managed.environments} vs ${alone.environments} environments, ` +
          `max memory ${managed.maxMemoryUsedMb} vs ${alone.maxMemoryUsedMb} MB per environment, average duration ${
            fmt(managed.durationMs.average, 2)
          } vs ${fmt(alone.durationMs.average, 2)} ms`
      )
    }
  }
  return verdicts
}

/** The chart of this product's durations per memory size (its run alone), with the baseline's average beside each. */
const chartOf = (kind: LoadCase, results: ReadonlyArray<RunResult>): string =>
  durationChart(
    `${kind}: duration per invocation (ms) by memory size, this product run alone`,
    results.filter((r) => r.variantKey === BUN_ALONE).map((r) => {
      const base = results.find((x) => x.variantKey === "baseline" && x.memoryMb === r.memoryMb)
      return {
        label: `${r.memoryMb} MB`,
        durations: r.durations,
        ...(r.ownTime ? { own: r.ownDurations } : {}),
        ...(base ? { baselineAverage: base.durationMs.average } : {})
      }
    })
  )

/** The load benchmark's report: Markdown (tables, own time, verdicts), and per case its JSON and SVG. */
export const loadReport = (results: ReadonlyArray<RunResult>, context: ReportContext): LoadReport => {
  const { date, messages, latencyMs } = context
  const lines: Array<string> = [
    `# Load benchmark, ${date}`,
    "",
    `${messages.toLocaleString("en")} messages per case and memory size, batch size ${context.batchSize}, ` +
    `up to ${context.concurrency} environments, ${latencyMs} ms simulated round trip per AWS call; ` +
    `the packaged Bun ${context.bunVersion} layer and function bundle (bun run build), ${context.limitsNote}; ` +
    `${context.pinningNote}; emulators dynalite and local-aws-sqs on one 2-core machine. ` +
    `Durations are the function's own REPORT durations. ` +
    (context.pairNote ? `${context.pairNote}. ` : "") +
    (context.aloneNote ? `${context.aloneNote}. ` : "") +
    (context.warmup === undefined
      ? ""
      : context.warmup > 0
      ? `Every environment first serves a warm-up of ${context.warmup} invocations, left out of every statistic. `
      : "No warm-up (--warmup 0). ") +
    `The baseline is the original service's first version: one AWS call per record, AWS SDK defaults ` +
    `(its node:http transport); this product sends the SDK's requests over its own sockets on Bun ` +
    `(over Bun's fetch when run with --bun-env BUN_AWS_HTTP_CLIENT=fetch). ` +
    `Prices: ${PRICES_AS_OF}.`,
    ""
  ]
  const files: Array<ReportFile> = []
  const verdicts: Array<string> = []
  for (const kind of context.cases) {
    const ofCase = results.filter((r) => r.case === kind)
    lines.push(`## ${kind === "add" ? "Add to DynamoDB" : "Read and send to a queue"}`, "")
    lines.push(resultsTable(ofCase), "")
    if (context.warmup !== undefined) lines.push(...warmupLines(ofCase, context.warmup))
    lines.push(...metricsTable(ofCase), ...answersTable(ofCase))
    lines.push(
      `Where the time goes: own time = duration − wait on AWS (the union of the environment's calls as its ` +
        `proxies timed them); the floor is ${
          kind === "add" ? "one round trip" : "two round trips"
        } of ${latencyMs} ms.`,
      ""
    )
    lines.push(ownTimeTable(ofCase.flatMap((r) => (r.ownTime ? [{ ...r, ownTime: r.ownTime }] : []))), "")
    lines.push(...pairTable(ofCase))
    lines.push(...contentionTable(ofCase))
    verdicts.push(...verdictsOf(kind, ofCase, context.nodeVersion))
    // Its run alone: the cost of this product on its own, all environments its.
    const ours = ofCase.filter((r) => r.variantKey === BUN_ALONE)
    const cheapest = [...ours].sort((a, b) => a.cost.totalUsd.arm64 - b.cost.totalUsd.arm64)[0]
    if (cheapest) {
      lines.push(
        `Cheapest memory size for this case (this product run alone): **${cheapest.memoryMb} MB** (${
          usd(cheapest.cost.totalUsd.arm64)
        } on arm64, ${usd(cheapest.cost.totalUsd.x86_64)} on x86_64 for ${messages.toLocaleString("en")} messages).`,
        ""
      )
    }
    lines.push(`![duration per memory size](${date}-${kind}.svg)`, "")
    const settings = { messages, latencyMs, concurrency: context.concurrency, batchSize: context.batchSize }
    files.push(
      {
        name: `${date}-${kind}.json`,
        content: JSON.stringify(
          { date, settings: { ...settings, memories: context.memories }, results: ofCase },
          null,
          2
        )
      },
      { name: `${date}-${kind}.svg`, content: chartOf(kind, ofCase) }
    )
  }
  const lost = results.reduce((n, r) => n + r.lost, 0)
  const duplicated = results.reduce((n, r) => n + r.duplicated, 0)
  const unaccounted = results.reduce((n, r) => n + (r.answers?.unaccounted ?? 0), 0)
  // Both of this product's runs: the target holds for each.
  const maxMemory = Math.max(
    ...results.filter((r) => r.variantKey === BUN_ALONE || r.variantKey === BUN_PAIRED).map((r) => r.maxMemoryUsedMb)
  )
  verdicts.push(
    `lost ${lost}, duplicated ${duplicated} (target 0 / 0); DLQ ${results.reduce((n, r) => n + r.deadLetters, 0)}` +
      (unaccounted > 0
        ? `; unaccounted ${unaccounted} (answers the function says it sent, not found on the output queue)`
        : ""),
    `max memory used ${maxMemory} MB (target < 64 MB)`
  )
  lines.push("## Verdict", "", ...verdicts.map((v) => `- ${v}`), "")
  const markdown = lines.join("\n")
  files.push({ name: `${date}-report.md`, content: markdown })
  return { markdown, files, lost, duplicated, unaccounted }
}

export const README_START = "<!-- bench:start -->"
export const README_END = "<!-- bench:end -->"

/**
 * The README with `report` between its bench markers, one heading level down and its charts linked
 * from bench/results/; undefined when the README has no markers.
 */
export const readmeWithReport = (readme: string, report: string): string | undefined => {
  const start = readme.indexOf(README_START)
  const end = readme.indexOf(README_END)
  if (start < 0 || end < start) return undefined
  const embedded = report.replace(/^# /m, "### ").replace(/^## /gm, "#### ").replace(
    /\]\((\d{4}-\d{2}-\d{2}-\w+\.svg)\)/g,
    "](bench/results/$1)"
  )
  return `${readme.slice(0, start + README_START.length)}\n${embedded}\n${readme.slice(end)}`
}
