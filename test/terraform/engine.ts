/**
 * The real Terraform engine, run offline on what needs no provider: a copy of variables.tf and locals.tf
 * plus a probe output. It evaluates every variable validation and every local exactly as `terraform apply`
 * will. A missing binary is an error, never a skip: these checks are the point of the suite.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { evaluateValue, referenceRoots, type Scope, type Value, wholeExpression } from "./hcl-eval.ts"
import { TERRAFORM_DIR } from "./load.ts"

/** The binary: TERRAFORM_BIN, else where the machine image and CI have it. */
export const terraformBin = () => process.env.TERRAFORM_BIN ?? "/usr/local/bin/terraform"

// No ~/.terraformrc, no version check, no colours: the same run on every machine.
const ENV = {
  ...process.env,
  TF_CLI_CONFIG_FILE: "/dev/null",
  CHECKPOINT_DISABLE: "1",
  TF_IN_AUTOMATION: "1",
  NO_COLOR: "1"
}

export const requireTerraform = () => {
  if (!existsSync(terraformBin())) {
    throw new Error(
      `The real Terraform engine is missing: no executable at ${terraformBin()}. These checks fail rather than skip: ` +
        "install Terraform 1.11.4 at /usr/local/bin/terraform (the CI image has it) or point TERRAFORM_BIN at it."
    )
  }
}

export type TfValue = string | number | boolean | null | ReadonlyArray<TfValue> | { readonly [key: string]: TfValue }
export type Vars = Record<string, TfValue>

export const terraform = (args: ReadonlyArray<string>, cwd: string, stdin?: string) => {
  requireTerraform()
  const r = Bun.spawnSync([terraformBin(), ...args], {
    cwd,
    env: ENV,
    stdin: stdin === undefined ? "ignore" : Buffer.from(stdin)
  })
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

export interface Engine {
  /** Evaluates each named expression (var., local., functions) for `vars`, through `terraform console`. */
  readonly evaluate: (vars: Vars, expressions: Record<string, string>) => Record<string, unknown>
  /** Runs `terraform plan` with `vars`: each variable whose validation (or type) refused its value, and why. */
  readonly rejected: (vars: Vars) => Record<string, string>
  /**
   * `rejected` for many cases in one plan: each case's variables are declared again under names of their own
   * (`timeout__3`), with the same type and validation text, references to the case's other variables renamed.
   */
  readonly rejectedEach: (cases: ReadonlyArray<Vars>) => Array<Record<string, string>>
  /** Every diagnostic (errors and warnings) of `terraform plan` with a .tfvars file's text. */
  readonly planDiagnostics: (tfvars: string) => Array<{ severity: string; summary: string; detail: string }>
  /** Every variable's and every local's value for `vars` (defaults for the rest), as terraform computes them. */
  readonly scope: (vars?: Vars) => Scope
  /** The generated probe.tf (outputs of every local, for_each stand-ins). */
  readonly probe: string
  readonly close: () => void
}

/** A temp copy of the provider-free part of terraform/, initialised once (no backend, no providers). */
export const startEngine = (files: ReadonlyArray<string> = ["variables.tf", "locals.tf"]): Engine => {
  requireTerraform()
  const dir = mkdtempSync(join(tmpdir(), "tf-engine-"))
  for (const f of files) copyFileSync(join(TERRAFORM_DIR, f), join(dir, f))
  // Referencing every local makes plan evaluate all of them, so a local that fails for some input fails the plan.
  const localNames = [...readFileSync(join(TERRAFORM_DIR, "locals.tf"), "utf8").matchAll(/^ {2}([a-z_0-9]+)\s*=/gm)]
    .map((m) => m[1]!)
  // Each resource's for_each that depends only on variables and locals, on terraform's built-in terraform_data
  // (no provider download): plan then proves terraform accepts it as a for_each, for every input tried.
  const forEach = readdirSync(TERRAFORM_DIR).filter((f) => f.endsWith(".tf")).flatMap((f) =>
    [...readFileSync(join(TERRAFORM_DIR, f), "utf8").matchAll(/^ {2}for_each = (.+)$/gm)].map((m) => m[1]!)
  )
    .filter((e) => [...referenceRoots(e)].every((r) => r === "var" || r === "local"))
  const probe = [
    `output "locals" {\n  value = {\n${localNames.map((l) => `    ${l} = local.${l}`).join("\n")}\n  }\n}\n`,
    ...forEach.map((e, i) => `resource "terraform_data" "for_each_${i}" {\n  for_each = ${e}\n}\n`)
  ].join("\n")
  writeFileSync(join(dir, "probe.tf"), probe)
  const init = terraform(["init", "-backend=false", "-input=false", "-no-color"], dir)
  if (init.code !== 0) throw new Error(`terraform init failed: ${init.stderr || init.stdout}`)

  // Declaration line of each variable, to name the variable a diagnostic points at.
  const declared = new Map<number, string>()
  readFileSync(join(dir, "variables.tf"), "utf8").split("\n").forEach((line, i) => {
    const m = /^variable "([a-z0-9_]+)"/.exec(line)
    if (m) declared.set(i + 1, m[1]!)
  })

  // One key per line, so a diagnostic's line in the var file names its variable.
  const writeVars = (vars: Vars) => {
    const keys = Object.keys(vars)
    writeFileSync(
      join(dir, "probe.tfvars.json"),
      `{\n${keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(vars[k])}`).join(",\n")}\n}\n`
    )
    return { keys }
  }

  const evaluate = (vars: Vars, expressions: Record<string, string>): Record<string, unknown> => {
    writeVars(vars)
    const names = Object.keys(expressions)
    const expr = `jsonencode({ ${names.map((n) => `${JSON.stringify(n)} = ${expressions[n]}`).join(", ")} })`
    // console reads one expression per line
    const r = terraform(["console", "-var-file=probe.tfvars.json"], dir, expr + "\n")
    if (r.code !== 0 || r.stderr.trim() !== "") {
      throw new Error(`terraform console failed for ${expr}: ${r.stderr || r.stdout}`)
    }
    return JSON.parse(JSON.parse(r.stdout.trim()))
  }
  const scopes = new Map<string, Scope>()

  // Diagnostics of one plan in `cwd`, each named by the variable it is about.
  const planErrors = (cwd: string, keys: ReadonlyArray<string>, declaredIn: Map<string, Map<number, string>>) => {
    const r = terraform([
      "plan",
      "-input=false",
      "-refresh=false",
      "-lock=false",
      "-json",
      "-var-file=probe.tfvars.json"
    ], cwd)
    const out: Record<string, string> = {}
    for (const line of r.stdout.split("\n")) {
      if (!line.startsWith("{")) continue
      const m = JSON.parse(line)
      if (m.type !== "diagnostic" || m.diagnostic.severity !== "error") continue
      const d = m.diagnostic
      const file = d.range?.filename as string | undefined
      const at = (d.range?.start?.line ?? 0) as number
      const name = file === "probe.tfvars.json" ? keys[at - 2] : declaredIn.get(file ?? "")?.get(at)
      if (!name) throw new Error(`terraform plan reported an error on no variable: ${d.summary}: ${d.detail}`)
      // The message, without where it was checked (a clone is checked in clones.tf, under its own name).
      const detail = String(d.detail).split("\n\n")[0]!.replace(/ declared at [^:]+:[0-9,-]+/, "").replace(
        /(var\.[a-z0-9_]+)__\d+/g,
        "$1"
      )
      out[name] = `${d.summary}: ${detail}`
    }
    if (r.code !== 0 && Object.keys(out).length === 0) throw new Error(`terraform plan failed: ${r.stderr || r.stdout}`)
    if (r.code === 0 && Object.keys(out).length > 0) throw new Error("terraform plan succeeded but reported errors")
    return out
  }

  // Each variable's whole declaration (fmt puts the closing brace at column 0).
  const variablesText = readFileSync(join(dir, "variables.tf"), "utf8")
  const declarations = new Map(
    [...variablesText.matchAll(/^variable "([a-z0-9_]+)" \{\n[\s\S]*?^\}$/gm)].map((m) => [m[1]!, m[0]])
  )
  const batchDir = mkdtempSync(join(dir, "batch-"))
  copyFileSync(join(dir, "variables.tf"), join(batchDir, "variables.tf"))
  let batchReady = false

  return {
    probe,
    evaluate,
    scope: (vars = {}) => {
      const key = JSON.stringify(vars)
      if (!scopes.has(key)) {
        const all = (names: Iterable<string>, root: string) =>
          `{ ${[...names].map((n) => `${n} = ${root}.${n}`).join(", ")} }`
        const { vars: v, locals } = evaluate(vars, {
          vars: all(declared.values(), "var"),
          locals: all(localNames, "local")
        })
        scopes.set(key, { vars: v as Record<string, Value>, locals: locals as Record<string, Value> })
      }
      return scopes.get(key)!
    },
    rejectedEach: (cases) => {
      if (!batchReady) {
        const init = terraform(["init", "-backend=false", "-input=false", "-no-color"], batchDir)
        if (init.code !== 0) throw new Error(`terraform init failed: ${init.stderr || init.stdout}`)
        batchReady = true
      }
      const values: Vars = {}
      const clones: Array<string> = []
      cases.forEach((vars, i) => {
        for (const [name, value] of Object.entries(vars)) {
          const text = declarations.get(name) ?? fail(`no variable ${name}`)
          const renamed = Object.keys(vars).reduce(
            (t, other) => t.replace(new RegExp(`\\bvar\\.${other}\\b`, "g"), `var.${other}__${i}`),
            text
          )
          clones.push(renamed.replace(`variable "${name}" {`, `variable "${name}__${i}" {`))
          values[`${name}__${i}`] = value
        }
      })
      const clonesText = clones.join("\n\n") + "\n"
      writeFileSync(join(batchDir, "clones.tf"), clonesText)
      const lines = new Map<number, string>()
      clonesText.split("\n").forEach((line, n) => {
        const m = /^variable "([a-z0-9_]+)"/.exec(line)
        if (m) lines.set(n + 1, m[1]!)
      })
      const keys = Object.keys(values)
      writeFileSync(
        join(batchDir, "probe.tfvars.json"),
        `{\n${keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(values[k])}`).join(",\n")}\n}\n`
      )
      const errors = planErrors(batchDir, keys, new Map([["clones.tf", lines]]))
      const out = cases.map(() => ({}) as Record<string, string>)
      for (const [key, message] of Object.entries(errors)) {
        const m = /^(.+)__(\d+)$/.exec(key) ?? fail(`an error on ${key}, which is no case's`)
        out[Number(m[2])]![m[1]!] = message
      }
      return out
    },
    rejected: (vars) => {
      const { keys } = writeVars(vars)
      return planErrors(dir, keys, new Map([["variables.tf", declared]]))
    },
    planDiagnostics: (tfvars) => {
      writeFileSync(join(dir, "probe.tfvars"), tfvars)
      const r = terraform(
        ["plan", "-input=false", "-refresh=false", "-lock=false", "-json", "-var-file=probe.tfvars"],
        dir
      )
      return r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).filter((m) =>
        m.type === "diagnostic"
      ).map((m) => m.diagnostic)
    },
    close: () => rmSync(dir, { recursive: true, force: true })
  }
}

const fail = (message: string): never => {
  throw new Error(message)
}

/**
 * A value from a resource, for `vars`: by terraform console when it is one expression on variables and locals
 * only; by hcl-eval (on terraform's variables and locals) when it refers to other resources or is a template.
 */
export const evaluateIn = (engine: Engine, value: unknown, vars: Vars = {}): Value => {
  const expression = wholeExpression(value)
  if (expression !== undefined && [...referenceRoots(expression)].every((r) => r === "var" || r === "local")) {
    return engine.evaluate(vars, { v: expression }).v as Value
  }
  return evaluateValue(value, engine.scope(vars))
}
