/**
 * The dashboard as `terraform apply` would send it: its body evaluated by the real Terraform engine
 * (offline: variables.tf, locals.tf and the dashboard's locals, with the two values that come from
 * resources replaced by stand-ins), then checked against CloudWatch's dashboard body rules and
 * against the metrics the function really writes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { resourceNames } from "../../local/stack/defaults.ts"
import { metricsLayer } from "../../src/observability/publish-metrics.ts"
import { memoryApp } from "../support/memory-app.ts"
import { invocationContext, sqsEvent, sqsRecord } from "../support/records.ts"

const TF = resolve(import.meta.dir, "../../terraform")
const BIN = process.env.TERRAFORM_BIN ?? "/usr/local/bin/terraform"
const ENV = {
  ...process.env,
  TF_CLI_CONFIG_FILE: "/dev/null",
  CHECKPOINT_DISABLE: "1",
  TF_IN_AUTOMATION: "1",
  NO_COLOR: "1"
}
const REGION = "eu-west-3"
const ALARM_ARN = (name: string) => `arn:aws:cloudwatch:${REGION}:123456789012:alarm:${name}`

const dashboardTf = readFileSync(join(TF, "dashboard.tf"), "utf8")
const alarmResources = readdirSync(TF).filter((f) => f.endsWith(".tf"))
  .flatMap((f) =>
    [...readFileSync(join(TF, f), "utf8").matchAll(/^resource "aws_cloudwatch_metric_alarm" "([a-z0-9_]+)"/gm)].map((
      m
    ) => m[1]!)
  )
// The stack's alarms are one resource with for_each over local.alarms: the dashboard lists every instance.
const ALARMS_FROM_LOCALS = `[for alarm in local.alarms : "${ALARM_ARN("${alarm.name}")}"]`

let dir = ""
const run = (args: Array<string>, stdin?: string) => {
  args = [...args, "-no-color"]
  const r = Bun.spawnSync([BIN, ...args], {
    cwd: dir,
    env: ENV,
    stdin: stdin === undefined ? "ignore" : Buffer.from(stdin)
  })
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

beforeAll(() => {
  if (!existsSync(BIN)) {
    throw new Error(
      `no Terraform at ${BIN}: install Terraform 1.11.4 there or set TERRAFORM_BIN (this check fails rather than skips)`
    )
  }
  dir = mkdtempSync(join(tmpdir(), "tf-dashboard-"))
  copyFileSync(join(TF, "variables.tf"), join(dir, "variables.tf"))
  copyFileSync(join(TF, "locals.tf"), join(dir, "locals.tf"))
  // Only the locals, with the resource-derived ones replaced: anything else referring to a resource fails the evaluation.
  const locals = dashboardTf.slice(0, dashboardTf.indexOf("resource \"aws_cloudwatch_dashboard\""))
    .replace(/^( {2}dashboard_region\s*=).*$/m, `$1 "${REGION}"`)
    .replace(/^( {2}dashboard_alarms\s*=).*$/m, `$1 ${ALARMS_FROM_LOCALS}`)
  writeFileSync(join(dir, "dashboard.tf"), locals)
  const init = run(["init", "-backend=false", "-input=false"])
  if (init.code !== 0) throw new Error(`terraform init failed: ${init.stderr}`)
}, 60_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The dashboard body for `vars`, as the resource's own expression computes it. */
const body = (vars: Record<string, unknown> = {}) => {
  const expression = /dashboard_body\s*=\s*(.+)$/m.exec(dashboardTf)![1]!
  writeFileSync(join(dir, "probe.tfvars.json"), JSON.stringify(vars))
  const r = run(["console", "-var-file=probe.tfvars.json"], `${expression}\n`)
  if (r.code !== 0 || r.stderr.trim() !== "") throw new Error(`terraform console failed: ${r.stderr || r.stdout}`)
  return JSON.parse(JSON.parse(r.stdout.trim())) as { widgets: Array<Widget> }
}

interface Widget {
  type: string
  x: number
  y: number
  width: number
  height: number
  properties: Record<string, any>
}

const STAT = /^(SampleCount|Average|Sum|Minimum|Maximum|p\d{1,2}(\.\d+)?|p100)$/
const RENDERING = new Set(["stat", "label", "id", "visible", "yAxis", "color", "period", "region", "accountId"])

/** Every way a widget breaks CloudWatch's dashboard body rules (widgets, grid, metrics arrays). */
const widgetProblems = (w: Widget): Array<string> => {
  const p: Array<string> = []
  const at = `${w.type} "${w.properties?.title ?? ""}"`
  if (!["metric", "text", "alarm", "log", "explorer"].includes(w.type)) p.push(`${at}: unknown type`)
  for (const k of ["x", "y", "width", "height"] as const) {
    if (!Number.isInteger(w[k])) p.push(`${at}: ${k} is not an integer`)
  }
  if (w.x < 0 || w.width < 1 || w.x + w.width > 24) p.push(`${at}: outside the 24-column grid`)
  if (w.height < 1 || w.height > 1000) p.push(`${at}: height out of 1-1000`)
  if (w.type === "text" && typeof w.properties.markdown !== "string") p.push(`${at}: no markdown`)
  if (
    w.type === "alarm" &&
    (!Array.isArray(w.properties.alarms) || w.properties.alarms.length === 0 || w.properties.alarms.length > 100)
  ) p.push(`${at}: alarms must list 1-100 ARNs`)
  if (w.type !== "metric") return p
  if (typeof w.properties.region !== "string") p.push(`${at}: no region`)
  if (
    w.properties.period !== undefined &&
    (w.properties.period < 60 ? ![1, 5, 10, 30].includes(w.properties.period) : w.properties.period % 60 !== 0)
  ) p.push(`${at}: period`)
  const metrics = w.properties.metrics
  if (!Array.isArray(metrics) || metrics.length === 0 || metrics.length > 500) {
    return [...p, `${at}: metrics must hold 1-500 entries`]
  }
  const ids = new Set<string>()
  const expressions: Array<string> = []
  for (const entry of metrics) {
    if (!Array.isArray(entry) || entry.length === 0) {
      p.push(`${at}: a metrics entry is not a non-empty array`)
      continue
    }
    const last = entry[entry.length - 1]
    const options = typeof last === "object" && last !== null ? last : undefined
    const parts = options ? entry.slice(0, -1) : entry
    if (options) {
      for (const k of Object.keys(options)) {
        if (!RENDERING.has(k) && k !== "expression") p.push(`${at}: unknown rendering property ${k}`)
      }
      if (options.stat !== undefined && !STAT.test(options.stat)) p.push(`${at}: statistic ${options.stat}`)
      if (options.id !== undefined) {
        if (!/^[a-z][a-zA-Z0-9_]*$/.test(options.id) || ids.has(options.id)) {
          p.push(`${at}: id ${options.id} invalid or repeated`)
        }
        ids.add(options.id)
      }
      if (options.yAxis !== undefined && !["left", "right"].includes(options.yAxis)) {
        p.push(`${at}: yAxis ${options.yAxis}`)
      }
    }
    if (options?.expression !== undefined) {
      if (parts.length !== 0) p.push(`${at}: an expression entry holds more than its object`)
      expressions.push(options.expression)
      continue
    }
    if (
      parts.length < 2 || parts.length % 2 !== 0 || !parts.every((s: unknown) => typeof s === "string" && s.length > 0)
    ) {
      p.push(`${at}: ${JSON.stringify(entry)} is not [namespace, name, (dimension, value)*, options?]`)
    }
    if ((parts.length - 2) / 2 > 30) p.push(`${at}: more than 30 dimensions`)
  }
  for (const e of expressions) {
    for (const ref of e.match(/\b[a-z][a-zA-Z0-9_]*\b/g) ?? []) {
      if (!ids.has(ref)) p.push(`${at}: expression ${e} refers to ${ref}, no such id`)
    }
  }
  return p
}

const overlap = (a: Widget, b: Widget) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
const metricEntries = (widgets: Array<Widget>) =>
  widgets.filter((w) => w.type === "metric").flatMap((w) =>
    (w.properties.metrics as Array<Array<any>>).filter((e) => typeof e[0] === "string")
  )

// What the function really writes: the names of one invocation's EMF line, and one AWS requests metric per operation it calls.
const emittedNames = async () => {
  const lines: Array<string> = []
  const app = memoryApp({
    extra: metricsLayer({ enabled: true, namespace: "N", dimensions: {} }, "f", (l) => void lines.push(l))
  })
  await app.handler(sqsEvent(sqsRecord(`{"pk":"x"}`)), invocationContext())
  await app.dispose()
  const names = new Set<string>(
    JSON.parse(lines[0]!)._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)
  )
  const src = resolve(import.meta.dir, "../../src/aws")
  for (const f of readdirSync(src)) {
    for (const m of readFileSync(join(src, f), "utf8").matchAll(/(?:classifyAwsError|awsRequest)\(\s*"([A-Za-z]+)"/g)) {
      names.add(`AwsRequests.${m[1]}`)
    }
  }
  return names
}

describe("the CloudWatch dashboard", () => {
  test(
    "its body is valid: widgets on the 24-column grid without overlap, metrics arrays in CloudWatch's format",
    () => {
      const { widgets } = body()
      expect(widgets.length).toBeGreaterThanOrEqual(8)
      expect(widgets.flatMap(widgetProblems)).toEqual([])
      for (const [i, a] of widgets.entries()) {
        for (const b of widgets.slice(i + 1)) {
          expect(overlap(a, b), `${a.properties.title} / ${b.properties.title}`)
            .toBe(false)
        }
      }
      for (const w of widgets.filter((w) => w.type === "metric")) expect(w.properties.region).toBe(REGION)
    },
    30_000
  )

  test(
    "it shows throughput, failures, DLQ depth, age of the oldest message, duration percentiles and concurrency",
    () => {
      const entries = metricEntries(body().widgets).map((e) =>
        `${e[0]} ${e[1]} ${e[3]} ${typeof e.at(-1) === "object" ? e.at(-1).stat : ""}`
      )
      for (
        const expected of [
          "AWS/SQS NumberOfMessagesSent bun-sqs-lambda-input Sum",
          "AWS/Lambda Invocations bun-sqs-lambda-handler Sum",
          "AWS/Lambda Errors bun-sqs-lambda-handler Sum",
          "AWS/Lambda Throttles bun-sqs-lambda-handler Sum",
          "AWS/SQS ApproximateNumberOfMessagesVisible bun-sqs-lambda-dlq Maximum",
          "AWS/SQS ApproximateAgeOfOldestMessage bun-sqs-lambda-input Maximum",
          "AWS/Lambda Duration bun-sqs-lambda-handler p50",
          "AWS/Lambda Duration bun-sqs-lambda-handler p99",
          "AWS/Lambda ConcurrentExecutions bun-sqs-lambda-handler Maximum"
        ]
      ) expect(entries).toContain(expected)
    },
    30_000
  )

  test(
    "every metric the function writes is on it, under the namespace and with every configured dimension",
    async () => {
      const vars = { metrics_namespace: "Shop/Products", metrics_dimensions: { Stage: "prod", Team: "shop" } }
      const emf = metricEntries(body(vars).widgets).filter((e) => e[0] === "Shop/Products")
      for (const e of emf) {
        const parts = e.slice(2).filter((x): x is string => typeof x === "string")
        const dims = Object.fromEntries(parts.flatMap((name, i) => (i % 2 === 0 ? [[name, parts[i + 1]!]] : [])))
        expect(dims).toEqual({ FunctionName: resourceNames().function, Stage: "prod", Team: "shop" })
      }
      const onDashboard = new Set(emf.map((e) => e[1] as string))
      expect([...onDashboard].sort()).toEqual([...await emittedNames()].sort())
    },
    30_000
  )

  test("it shows every alarm of the stack, each defined once beside its resource, none in dashboard.tf", () => {
    expect(alarmResources).toEqual(["this"])
    expect(dashboardTf).not.toContain("resource \"aws_cloudwatch_metric_alarm\"")
    expect(dashboardTf).toContain("[for alarm in aws_cloudwatch_metric_alarm.this : alarm.arn]")
    writeFileSync(join(dir, "probe.tfvars.json"), "{}")
    const names = run(
      ["console", "-var-file=probe.tfvars.json"],
      "jsonencode([for alarm in local.alarms : alarm.name])\n"
    )
    const expected = (JSON.parse(JSON.parse(names.stdout.trim())) as Array<string>).map(ALARM_ARN)
    expect(expected.length).toBeGreaterThanOrEqual(4)
    const alarmWidget = body().widgets.find((w) => w.type === "alarm")!
    expect([...alarmWidget.properties.alarms].sort()).toEqual(expected.sort())
  }, 30_000)

  test("Terraform refuses the metric settings the function would refuse, and accepts those it reads", () => {
    const plan = (vars: Record<string, unknown>) => {
      writeFileSync(join(dir, "probe.tfvars.json"), JSON.stringify(vars))
      return run(["plan", "-input=false", "-refresh=false", "-lock=false", "-var-file=probe.tfvars.json"])
    }
    for (
      const bad of [
        { metrics_namespace: "AWS/Lambda" },
        { metrics_namespace: "" },
        { metrics_namespace: "é" },
        { metrics_dimensions: { FunctionName: "x" } },
        { metrics_dimensions: { "a,b": "x" } },
        { metrics_dimensions: { Stage: "a=b" } },
        { metrics_dimensions: { Stage: " " } },
        { metrics_dimensions: { ":Stage": "x" } },
        { metrics_dimensions: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`D${i}`, "v"])) }
      ]
    ) expect(plan(bad).code, JSON.stringify(bad)).not.toBe(0)
    expect(
      plan({ metrics_namespace: "Shop/Products", metrics_dimensions: { Stage: "prod", "Team name": "shop floor" } })
        .code
    ).toBe(0)
  }, 60_000)
})
