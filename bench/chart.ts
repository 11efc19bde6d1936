/** CloudWatch-style SVG: duration Max / Average / Minimum over the run, one panel per memory size. */
export interface Series {
  readonly label: string
  readonly durations: ReadonlyArray<number>
  readonly baselineAverage?: number
  /** Each invocation's own time (duration − wait on AWS), drawn as its average per bucket. */
  readonly own?: ReadonlyArray<number>
}

const W = 520
const H = 200
const PAD = { left: 56, right: 12, top: 28, bottom: 28 }
const BUCKETS = 40

const bucketed = (values: ReadonlyArray<number>) => {
  const size = Math.max(1, Math.ceil(values.length / BUCKETS))
  const out: Array<{ max: number; avg: number; min: number }> = []
  for (let i = 0; i < values.length; i += size) {
    const b = values.slice(i, i + size)
    out.push({ max: Math.max(...b), avg: b.reduce((a, c) => a + c, 0) / b.length, min: Math.min(...b) })
  }
  return out
}

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;")

const panel = (series: Series, dx: number, dy: number): string => {
  const points = bucketed(series.durations)
  const top = Math.max(...points.map((p) => p.max), series.baselineAverage ?? 0) * 1.1 || 1
  const x = (i: number) => dx + PAD.left + (i / Math.max(1, points.length - 1)) * (W - PAD.left - PAD.right)
  const y = (v: number) => dy + PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom)
  const line = (key: "max" | "avg" | "min", color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${
      points.map((p, i) => `${x(i).toFixed(1)},${y(p[key]).toFixed(1)}`).join(" ")
    }"/>`
  const ticks = [0, 0.5, 1].map((f) => {
    const v = top * f
    return `<text x="${dx + PAD.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="10" fill="#555">${
      v.toFixed(v < 10 ? 1 : 0)
    }</text><line x1="${dx + PAD.left}" x2="${dx + W - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`
  }).join("")
  const baseline = series.baselineAverage === undefined ?
    "" :
    `<line x1="${dx + PAD.left}" x2="${dx + W - PAD.right}" y1="${y(series.baselineAverage)}" y2="${
      y(series.baselineAverage)
    }" stroke="#999" stroke-dasharray="4 3"/><text x="${dx + W - PAD.right}" y="${
      y(series.baselineAverage) - 4
    }" text-anchor="end" font-size="10" fill="#777">one-at-a-time average ${
      series.baselineAverage.toFixed(1)
    } ms</text>`
  const own = series.own === undefined ?
    "" :
    `<polyline fill="none" stroke="#9467bd" stroke-width="1.5" stroke-dasharray="5 2" points="${
      bucketed(series.own).map((p, i) => `${x(i).toFixed(1)},${y(p.avg).toFixed(1)}`).join(" ")
    }"/>`
  const legend = `red Max, blue Average, green Minimum${
    series.own === undefined ? "" : ", purple dashed own time (Average)"
  }`
  return `<g><text x="${dx + PAD.left}" y="${dy + 16}" font-size="12" font-weight="bold">${
    escape(series.label)
  }</text>${ticks}${baseline}${line("max", "#d62728")}${line("avg", "#1f77b4")}${line("min", "#2ca02c")}${own}
<text x="${dx + PAD.left}" y="${
    dy + H - 8
  }" font-size="10" fill="#555">invocations in order → (ms; ${legend})</text></g>`
}

export const durationChart = (title: string, series: ReadonlyArray<Series>): string => {
  const cols = 2
  const rows = Math.ceil(series.length / cols)
  const width = cols * W
  const height = rows * H + 30
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif">`
  return `${svg}
<rect width="100%" height="100%" fill="white"/><text x="12" y="20" font-size="14" font-weight="bold">${
    escape(title)
  }</text>
${series.map((s, i) => panel(s, (i % cols) * W, 30 + Math.floor(i / cols) * H)).join("\n")}
</svg>
`
}
