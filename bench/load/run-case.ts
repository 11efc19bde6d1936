import { drainQueue, drainQueueReport, scanAll } from "../../local/aws/inspect.ts"
import type { InvocationRecord } from "../../local/event-source/event-source-mapping.ts"
import { progressBar } from "../../local/flow/progress.ts"
import { startSession } from "../../local/flow/session.ts"
import { emfCollector, type EmfTotals } from "../../local/metrics/emf-summary.ts"
import type { AwsProxy } from "../../local/proxy/aws-proxy.ts"
import { proxiedEndpoints } from "../../local/proxy/proxied-endpoints.ts"
import { STACK_DEFAULTS } from "../../local/stack/defaults.ts"
import { AwsWaits, type OwnTimeSummary, summarizeOwnTime } from "../own-time.ts"
import { type Cost, costOf } from "../pricing.ts"
import { mean, percentile } from "../stats.ts"
import { accountAnswers, type Answers, entriesSentTo } from "./answer-accounting.ts"
import { sendWorkload } from "./workload.ts"

/** The load benchmark's two cases: add products to DynamoDB; read products and send them to a queue. */
export type LoadCase = "add" | "read"

/** One function under test: what ships, the baseline, the same handler on Node.js, Managed Instances... */
export interface Variant {
  readonly name: string
  readonly key: string
  readonly function?: { readonly taskRoot: string; readonly handler: string; readonly bootstrap?: string }
  readonly env?: Record<string, string>
  /** Lambda Managed Instances: invocations at once per environment, and the environments allowed. */
  readonly perEnvironment?: number
  readonly environments?: number
}

/** What every run of one benchmark shares. */
export interface LoadSettings {
  readonly latencyMs: number
  readonly concurrency: number
  readonly batchSize: number
  /** The CPUs the environments run on (--pin). */
  readonly environmentCpus?: string
}

export interface RunResult {
  readonly case: LoadCase
  readonly variant: string
  readonly variantKey: string
  readonly memoryMb: number
  readonly messages: number
  readonly seconds: number
  readonly invocations: number
  /** Execution environments started, and invocations each served at once. */
  readonly environments: number
  readonly perEnvironment: number
  readonly recordsPerInvocation: number
  readonly durationMs: {
    readonly max: number
    readonly average: number
    readonly min: number
    readonly p50: number
    readonly p99: number
  }
  readonly coldStarts: number
  readonly initDurationMs: { readonly average: number; readonly max: number }
  readonly maxMemoryUsedMb: number
  readonly messagesPerSecond: number
  readonly cost: Cost
  readonly awsRequests: number
  readonly lost: number
  readonly duplicated: number
  /** Read case: the answers the function says it sent beside those found on the output queue. */
  readonly answers?: Answers
  readonly deadLetters: number
  readonly failedInvocations: number
  readonly durations: ReadonlyArray<number>
  /** The function's own metrics (its EMF lines) summed over the run; none for the baselines. */
  readonly metrics: EmfTotals
  /** Undefined with several invocations per environment: its calls cannot be told apart by environment. */
  readonly ownTime: OwnTimeSummary | undefined
  readonly ownDurations: ReadonlyArray<number>
}

/**
 * One case, one variant, one memory size: a fresh local stack, `count` messages sent to its input
 * queue and drained through the event source mapping, each environment behind its own latency proxies
 * (which time its AWS calls: the own time), then every message accounted for.
 */
export const runCase = async (
  settings: LoadSettings,
  kind: LoadCase,
  variant: Variant,
  memoryMb: number,
  count: number
): Promise<RunResult> => {
  const { latencyMs } = settings
  const invocations: Array<InvocationRecord> = []
  const proxies: Array<AwsProxy> = []
  const emf = emfCollector()
  const waits = new AwsWaits()
  const waited: Array<number> = []
  let proxiedAnswers = 0
  const session = await startSession({
    prefix: `bench-${kind}-${variant.key}-${memoryMb}-${Date.now()}`,
    memoryMb,
    concurrency: variant.environments ?? settings.concurrency,
    batchSize: settings.batchSize,
    batchingWindowSeconds: STACK_DEFAULTS.batchingWindowSeconds,
    timeoutSeconds: STACK_DEFAULTS.functionTimeoutSeconds,
    ...(variant.perEnvironment ? { perEnvironment: variant.perEnvironment } : {}),
    ...(variant.function ? { function: variant.function } : {}),
    ...(variant.env ? { functionEnv: variant.env } : {}),
    onLog: (line) => void emf.add(line),
    onInvocation: (r) => {
      invocations.push(r)
      waited.push(waits.waited(r.environmentId, r.startedAt, r.endedAt))
    },
    // Proxies per environment: each call is timed and belongs to that environment's invocation.
    environmentEndpoints: (stack, id) =>
      proxiedEndpoints(stack, {
        latencyMs,
        onTiming: (start, end) => waits.record(id, start, end),
        // Answers as they leave for the output queue: a witness apart from the function and the queue.
        onCall: (operation, body) => void (proxiedAnswers += entriesSentTo(stack.outputQueueUrl, operation, body))
      }, proxies),
    ...(settings.environmentCpus ? { environmentCpus: settings.environmentCpus } : {})
  })
  const { stack } = session
  try {
    const sentIds = await sendWorkload(stack, kind, count)
    const label = `${kind} ${memoryMb} MB ${variant.key}`.padEnd(28)
    const ticker = setInterval(
      () =>
        progressBar(
          invocations.reduce((n, r) => n + r.event.Records.length, 0),
          count,
          `${label} invocations ${invocations.length}`
        ),
      250
    )
    const started = performance.now()
    await session.mapping.drain()
    const seconds = (performance.now() - started) / 1000
    clearInterval(ticker)
    process.stderr.write(`${progressBar(count, count, `${label} ${seconds.toFixed(1)} s`)}\n`)

    // Accounting: every message exactly once.
    let lost = 0
    let duplicated = 0
    let answers: Answers | undefined
    if (kind === "add") {
      const products = await scanAll(stack.endpoints.dynamodb, stack.tableName)
      const byPk = new Map(products.map((p) => [String(p.pk), p]))
      lost = sentIds.filter((id, i) => byPk.get(id)?.name !== `bench product ${i}`).length
      // Products are keyed by message id: a repeated add overwrites, so only extra products count.
      duplicated = Math.max(0, products.length - count)
    } else {
      const output = await drainQueueReport(stack.endpoints.sqs, stack.outputQueueUrl, { remove: true })
      const correlations = output.messages.map((m) => m.MessageAttributes?.correlationId?.StringValue ?? "")
      // Read after the drain: by then every EMF line the environments printed has been read.
      const { invocations: documented, sums } = emf.totals()
      const claimed = documented > 0 ? (sums.ReadsFound ?? 0) + (sums.ReadsNotFound ?? 0) : undefined
      const counted = accountAnswers(sentIds, correlations, claimed)
      lost = counted.lost
      duplicated = counted.duplicated
      answers = {
        claimed,
        proxied: proxiedAnswers,
        found: counted.found,
        unaccounted: counted.unaccounted,
        drainRetries: output.spuriousEmpty,
        leftOnQueue: output.left
      }
    }
    const deadLetters = (await drainQueue(stack.endpoints.sqs, stack.deadLetterQueueUrl)).length
    const reports = invocations.map((r) => r.result.report)
    const durations = reports.map((r) => r.durationMs)
    const inits = reports.flatMap((r) => (r.initDurationMs === undefined ? [] : [r.initDurationMs]))
    return {
      case: kind,
      variant: variant.name,
      variantKey: variant.key,
      memoryMb,
      messages: count,
      seconds,
      invocations: invocations.length,
      environments: session.pool.size,
      perEnvironment: variant.perEnvironment ?? 1,
      recordsPerInvocation: count / invocations.length,
      durationMs: {
        max: Math.max(...durations),
        average: mean(durations),
        min: Math.min(...durations),
        p50: percentile(durations, 50),
        p99: percentile(durations, 99)
      },
      coldStarts: inits.length,
      initDurationMs: { average: inits.length ? mean(inits) : 0, max: inits.length ? Math.max(...inits) : 0 },
      maxMemoryUsedMb: Math.max(...reports.map((r) => r.maxMemoryUsedMb)),
      messagesPerSecond: count / seconds,
      cost: costOf(memoryMb, reports.map((r) => r.billedDurationMs)),
      awsRequests: proxies.reduce((n, p) => n + p.total(), 0),
      lost,
      duplicated,
      ...(answers ? { answers } : {}),
      deadLetters,
      failedInvocations: invocations.filter((r) => r.result.status !== "success").length,
      durations,
      metrics: emf.totals(),
      ...((variant.perEnvironment ?? 1) > 1
        ? { ownTime: undefined, ownDurations: [] }
        : {
          ownTime: summarizeOwnTime(kind, latencyMs, durations, waited),
          ownDurations: durations.map((d, i) => d - waited[i]!)
        })
    }
  } finally {
    await session.close()
    await Promise.all(proxies.map((p) => p.stop()))
  }
}
