import { crc32 } from "node:zlib"
import { connectionReset, type ProxiedCall, replaceBody } from "./aws-proxy.ts"

/** What can go wrong with one call, as probabilities (0..1) and durations. */
export interface FaultRule {
  /** Answer with one of the service's real error responses instead of forwarding. */
  readonly errorRate?: number
  readonly latencyMs?: number
  readonly spikeRate?: number
  readonly spikeMs?: number
  /** Drop the connection without an answer; half of the time after the call reached the endpoint. */
  readonly resetRate?: number
  /** Batch calls only: process part of the batch, report the rest unprocessed / failed. */
  readonly partialRate?: number
}

export interface FaultPlan {
  readonly service: "dynamodb" | "sqs"
  readonly default?: FaultRule
  readonly operations?: Readonly<Record<string, FaultRule>>
  readonly random?: () => number
  /** Told of every call that reached the service but whose answer was dropped: the caller will resend. */
  readonly onHiddenSuccess?: (operation: string, body: string) => void
}

export interface FaultStats {
  errors: number
  resets: number
  partials: number
  spikes: number
}

// The error responses AWS sends for throttling and server faults (JSON protocols).
const ERRORS = {
  dynamodb: [
    {
      status: 400,
      type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
      message: "The level of configured provisioned throughput for the table was exceeded."
    },
    {
      status: 400,
      type: "com.amazonaws.dynamodb.v20120810#ThrottlingException",
      message: "Rate of requests exceeds the allowed throughput."
    },
    {
      status: 400,
      type: "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded",
      message: "Throughput exceeds the current throughput limit for your account."
    },
    { status: 500, type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message: "Internal server error" },
    { status: 503, type: "com.amazonaws.dynamodb.v20120810#ServiceUnavailable", message: "Service unavailable" }
  ],
  sqs: [
    {
      status: 400,
      type: "com.amazonaws.sqs#ThrottlingException",
      message: "Rate exceeded",
      query: "Throttling;Sender"
    },
    {
      status: 400,
      type: "com.amazonaws.sqs#RequestThrottled",
      message: "Request is throttled.",
      query: "RequestThrottled;Sender"
    },
    {
      status: 500,
      type: "com.amazonaws.sqs#InternalError",
      message: "We encountered an internal error. Please try again.",
      query: "InternalError;Receiver"
    },
    {
      status: 503,
      type: "com.amazonaws.sqs#ServiceUnavailable",
      message: "The request has failed due to a temporary failure of the server.",
      query: "ServiceUnavailable;Receiver"
    }
  ]
} as const

const errorResponse = (service: "dynamodb" | "sqs", pick: number) => {
  const list = ERRORS[service]
  const e = list[Math.floor(pick * list.length) % list.length]!
  const body = JSON.stringify({ __type: e.type, message: e.message })
  return new Response(body, {
    status: e.status,
    headers: {
      "content-type": "application/x-amz-json-1.0",
      // DynamoDB signs error bodies with their CRC32 too; SQS adds the query-compatible code.
      ...(service === "dynamodb" ? { "x-amz-crc32": String(crc32(Buffer.from(body))) } : {}),
      ...("query" in e ? { "x-amzn-query-error": `AWS.SimpleQueueService.${e.query}` } : {})
    }
  })
}

const split = <A>(items: ReadonlyArray<A>, random: () => number): [Array<A>, Array<A>] => {
  if (items.length < 2) return [[], [...items]]
  const keep = Math.max(1, Math.floor(items.length * random()))
  return [items.slice(0, keep), items.slice(keep)]
}

/** Forwards part of a batch call and reports the rest as DynamoDB / SQS do for partial results. */
const partial = async (call: ProxiedCall, random: () => number): Promise<Response | undefined> => {
  const body = JSON.parse(call.body)
  if (call.operation === "BatchWriteItem" || call.operation === "BatchGetItem") {
    const [table] = Object.keys(body.RequestItems ?? {})
    if (!table) return undefined
    const write = call.operation === "BatchWriteItem"
    const items = write ? body.RequestItems[table] : body.RequestItems[table].Keys
    const [sent, held] = split(items, random)
    if (held.length === 0 || sent.length === 0) return undefined
    const altered = write
      ? { ...body, RequestItems: { [table]: sent } }
      : { ...body, RequestItems: { [table]: { ...body.RequestItems[table], Keys: sent } } }
    const upstream = await call.forward(JSON.stringify(altered))
    if (!upstream.ok) return upstream
    const answer = await upstream.json() as Record<string, any>
    if (write) answer.UnprocessedItems = { [table]: held }
    else answer.UnprocessedKeys = { [table]: { ...body.RequestItems[table], Keys: held } }
    return replaceBody(upstream, JSON.stringify(answer))
  }
  if (call.operation === "SendMessageBatch") {
    const [sent, held] = split<{ Id: string }>(body.Entries ?? [], random)
    if (held.length === 0 || sent.length === 0) return undefined
    const upstream = await call.forward(JSON.stringify({ ...body, Entries: sent }))
    if (!upstream.ok) return upstream
    const answer = await upstream.json() as Record<string, any>
    answer.Failed = [
      ...(answer.Failed ?? []),
      ...held.map((e: { Id: string }) => ({
        Id: e.Id,
        Code: "InternalError",
        SenderFault: false,
        Message: "injected partial failure"
      }))
    ]
    return replaceBody(upstream, JSON.stringify(answer))
  }
  return undefined
}

/** Builds the proxy interceptor for a fault plan; `stats` counts what was injected. */
export const faultInjector = (
  plan: FaultPlan,
  stats: FaultStats = { errors: 0, resets: 0, partials: 0, spikes: 0 }
) => {
  const random = plan.random ?? Math.random
  const interceptor = async (call: ProxiedCall): Promise<Response | undefined> => {
    const rule = { ...plan.default, ...plan.operations?.[call.operation] }
    if (rule.latencyMs) await Bun.sleep(rule.latencyMs)
    if (rule.spikeRate && random() < rule.spikeRate) {
      stats.spikes++
      await Bun.sleep(rule.spikeMs ?? 1_000)
    }
    if (rule.errorRate && random() < rule.errorRate) {
      stats.errors++
      return errorResponse(plan.service, random())
    }
    if (rule.resetRate && random() < rule.resetRate) {
      stats.resets++
      // The nastiest case half of the time: the write happened, but the caller never hears of it.
      if (random() < 0.5) {
        const answer = await call.forward()
        if (answer.ok) plan.onHiddenSuccess?.(call.operation, call.body)
      }
      return connectionReset()
    }
    if (rule.partialRate && random() < rule.partialRate) {
      const answer = await partial(call, random)
      if (answer) stats.partials++
      return answer
    }
    return undefined
  }
  return { interceptor, stats }
}

/** A fault plan where `rate` of all calls fail, split across AWS errors, resets and partial batches. */
export const uniformFaults = (service: "dynamodb" | "sqs", rate: number, random?: () => number): FaultPlan => ({
  service,
  default: {
    errorRate: rate * 0.5,
    resetRate: rate * 0.2,
    partialRate: rate * 0.3 / (1 - rate * 0.7),
    spikeRate: rate * 0.1,
    spikeMs: 300
  },
  ...(random ? { random } : {})
})
