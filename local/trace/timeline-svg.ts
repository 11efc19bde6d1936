import type { ReceivedSpan } from "./otlp-receiver.ts"

/**
 * One invocation as a timeline picture: a row per span in call order (children under their parent,
 * indented), bars placed on a common time axis, so rounds, requests running side by side, retries
 * with their back-off and the deadline show at a glance.
 */

export interface TimelineOptions {
  readonly title?: string
  /** Epoch ms at which processing must stop (the invocation's deadline minus its safety margin). */
  readonly deadlineMs?: number
  /** Epoch ms of Lambda's own timeout. */
  readonly timeoutMs?: number
  readonly maxRows?: number
}

const WIDTH = 1100
const LABEL = 300
const ROW = 20
const TOP = 92
const RIGHT = 24
const PLOT = WIDTH - LABEL - RIGHT

const COLORS = {
  invocation: "#8d99ae",
  decode: "#9b5de5",
  round: "#4361ee",
  dynamodb: "#f28c28",
  sqs: "#2a9d8f",
  deadLetter: "#b5179e",
  attempt: "#90be6d",
  failed: "#e63946",
  backoff: "#ced4da",
  other: "#adb5bd"
} as const

const escape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const text = (s: unknown) => (typeof s === "string" ? s : s === undefined ? "" : String(s))

/** The colour of a span: what kind of step it is, red when it failed. */
const colorOf = (span: ReceivedSpan): string => {
  const name = span.name.toLowerCase()
  const operation = text(span.attributes["aws.operation"]) || span.name
  if (span.status === 2 || (typeof span.attributes.failed === "number" && span.attributes.failed > 0)) {
    return COLORS.failed
  }
  if (span.attributes["faas.invocation_id"] !== undefined) return COLORS.invocation
  if (name.includes("backoff")) return COLORS.backoff
  // An attempt: a retry's own span, or the function that makes one HTTP request (writeChunk, readChunk, sendChunk).
  if (name.includes("attempt") || name.endsWith("chunk")) return COLORS.attempt
  if (name.includes("decode")) return COLORS.decode
  if (name.includes("round")) return COLORS.round
  if (name.includes("dead") || name.includes("dlq") || name === "park") return COLORS.deadLetter
  if (/batchwrite|batchget|dynamo|store/i.test(operation)) return COLORS.dynamodb
  if (/sendmessage|sqs|queue/i.test(operation)) return COLORS.sqs
  return COLORS.other
}

const LEGEND: Array<[string, string]> = [
  ["invocation", COLORS.invocation],
  ["decode", COLORS.decode],
  ["round", COLORS.round],
  ["DynamoDB", COLORS.dynamodb],
  ["SQS", COLORS.sqs],
  ["DLQ", COLORS.deadLetter],
  ["HTTP attempt", COLORS.attempt],
  ["back-off", COLORS.backoff],
  ["failed", COLORS.failed]
]

/** Spans in call order: each parent followed by its children, earliest first. */
export const callOrder = (spans: ReadonlyArray<ReceivedSpan>): Array<{ span: ReceivedSpan; depth: number }> => {
  const ids = new Set(spans.map((s) => s.spanId))
  const children = new Map<string | undefined, Array<ReceivedSpan>>()
  for (const s of spans) {
    const parent = s.parentSpanId !== undefined && ids.has(s.parentSpanId) ? s.parentSpanId : undefined
    const list = children.get(parent) ?? []
    list.push(s)
    children.set(parent, list)
  }
  const out: Array<{ span: ReceivedSpan; depth: number }> = []
  const visit = (parent: string | undefined, depth: number) => {
    for (const s of (children.get(parent) ?? []).sort((a, b) => a.startMs - b.startMs || b.endMs - a.endMs)) {
      out.push({ span: s, depth })
      visit(s.spanId, depth + 1)
    }
  }
  visit(undefined, 0)
  return out
}

const niceStep = (range: number) => {
  const raw = range / 8
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  return [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw
}

const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2))

/** The SVG of one invocation's spans. */
export const timelineSvg = (spans: ReadonlyArray<ReceivedSpan>, options: TimelineOptions = {}): string => {
  const ordered = callOrder(spans)
  const maxRows = options.maxRows ?? 80
  const shown = ordered.slice(0, maxRows)
  const start = Math.min(...spans.map((s) => s.startMs))
  const end = Math.max(...spans.map((s) => s.endMs))
  const duration = Math.max(end - start, 0.001)
  // The deadline is drawn when it falls in or just after the invocation; otherwise it is named.
  const deadlineAt = options.deadlineMs === undefined ? undefined : options.deadlineMs - start
  const showDeadline = deadlineAt !== undefined && deadlineAt <= duration * 1.5
  const range = showDeadline ? Math.max(duration, deadlineAt!) * 1.04 : duration * 1.04
  const x = (t: number) => LABEL + (t / range) * PLOT
  const height = TOP + shown.length * ROW + 56
  const out: Array<string> = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
      `viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`
  )
  out.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`)
  out.push(
    `<text x="12" y="22" font-size="15" font-weight="bold">${escape(options.title ?? "invocation timeline")}</text>`
  )
  out.push(
    `<text x="12" y="40" fill="#495057">${shown.length} of ${ordered.length} spans, ${ms(duration)} ms${
      deadlineAt === undefined
        ? ""
        : showDeadline
        ? ""
        : `, deadline ${ms(deadlineAt)} ms after the start (beyond the picture)`
    }</text>`
  )
  LEGEND.forEach(([label, color], i) => {
    const lx = 12 + i * 110
    out.push(
      `<rect x="${lx}" y="52" width="10" height="10" fill="${color}"/><text x="${
        lx + 14
      }" y="61" fill="#495057">${label}</text>`
    )
  })
  const step = niceStep(range)
  const axisBottom = TOP + shown.length * ROW
  for (let t = 0; t <= range; t += step) {
    out.push(
      `<line x1="${x(t).toFixed(1)}" y1="${TOP - 6}" x2="${x(t).toFixed(1)}" y2="${axisBottom}" stroke="#e9ecef"/>`
    )
    out.push(`<text x="${x(t).toFixed(1)}" y="${axisBottom + 16}" text-anchor="middle" fill="#6c757d">${ms(t)}</text>`)
  }
  out.push(
    `<text x="${LABEL + PLOT / 2}" y="${
      axisBottom + 34
    }" text-anchor="middle" fill="#6c757d">ms since the invocation started</text>`
  )
  shown.forEach(({ span, depth }, row) => {
    const y = TOP + row * ROW
    const x0 = x(span.startMs - start)
    const w = Math.max(1.5, x(span.endMs - start) - x0)
    // batchCall spans are named by their operation (BatchWriteItem, SendMessageBatch...).
    const label = `${"  ".repeat(depth)}${
      span.name === "batchCall" ? text(span.attributes["aws.operation"]) || span.name : span.name
    }`
    const failed = typeof span.attributes.failed === "number" && span.attributes.failed > 0
      ? `${span.attributes.failed} failed`
      : ""
    const count = span.attributes.items ?? span.attributes.records ?? span.attributes.retrying
    const detail = [
      count === undefined
        ? ""
        : `${text(count)} ${
          span.attributes.retrying === undefined
            ? (span.attributes.items === undefined ? "records" : "items")
            : "to retry"
        }`,
      failed
    ]
      .filter(Boolean).join(", ")
    if (row % 2 === 1) out.push(`<rect x="0" y="${y}" width="${WIDTH}" height="${ROW}" fill="#f8f9fa"/>`)
    out.push(
      `<text x="${8 + depth * 12}" y="${y + 14}" fill="#212529">${escape(label.trim())}${
        detail ? `<tspan dx="8" fill="#6c757d">${escape(detail)}</tspan>` : ""
      }</text>`
    )
    out.push(
      `<rect x="${x0.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${ROW - 8}" rx="2" fill="${
        colorOf(span)
      }"><title>${escape(`${span.name}: ${ms(span.endMs - span.startMs)} ms`)}</title></rect>`
    )
    const durationLabel = `${ms(span.endMs - span.startMs)} ms`
    const inside = w > durationLabel.length * 6.5 + 6
    out.push(
      `<text x="${(inside ? x0 + 4 : x0 + w + 4).toFixed(1)}" y="${y + 14}" font-size="10" fill="${
        inside ? "#ffffff" : "#495057"
      }">${durationLabel}</text>`
    )
  })
  if (showDeadline) {
    const dx = x(deadlineAt!)
    out.push(
      `<line x1="${dx.toFixed(1)}" y1="${TOP - 10}" x2="${
        dx.toFixed(1)
      }" y2="${axisBottom}" stroke="#d00000" stroke-width="2" stroke-dasharray="6 4"/>`
    )
    out.push(
      `<text x="${(dx - 4).toFixed(1)}" y="${TOP - 14}" text-anchor="end" fill="#d00000" font-weight="bold">deadline ${
        ms(deadlineAt!)
      } ms</text>`
    )
  }
  const timeoutAt = options.timeoutMs === undefined ? undefined : options.timeoutMs - start
  if (timeoutAt !== undefined && timeoutAt <= range) {
    const tx = x(timeoutAt)
    out.push(
      `<line x1="${tx.toFixed(1)}" y1="${TOP - 10}" x2="${
        tx.toFixed(1)
      }" y2="${axisBottom}" stroke="#6a040f" stroke-width="2"/>`
    )
    out.push(
      `<text x="${(tx - 4).toFixed(1)}" y="${axisBottom - 4}" text-anchor="end" fill="#6a040f">Lambda timeout</text>`
    )
  }
  out.push("</svg>")
  return out.join("\n")
}
