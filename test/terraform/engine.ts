/**
 * The real Terraform engine, run offline on what needs no provider: a copy of variables.tf and locals.tf
 * plus a probe output. It evaluates every variable validation and every local exactly as `terraform apply`
 * will. A missing binary is an error, never a skip: these checks are the point of the suite.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { evaluateValue, type Scope, type Value } from "./hcl-eval.ts"
import { TERRAFORM_DIR } from "./load.ts"

/** The binary: TERRAFORM_BIN, else where the machine image and CI have it. */
export const terraformBin = () => process.env.TERRAFORM_BIN ?? "/usr/local/bin/terraform"

// No ~/.terraformrc, no version check, no colours: the same run on every machine.
const ENV = { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", NO_COLOR: "1" }

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
  const r = Bun.spawnSync([terraformBin(), ...args], { cwd, env: ENV, stdin: stdin === undefined ? "ignore" : Buffer.from(stdin) })
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

export interface Engine {
  /** Evaluates each named expression (var., local., functions) for `vars`, through `terraform console`. */
  readonly evaluate: (vars: Vars, expressions: Record<string, string>) => Record<string, unknown>
  /** Runs `terraform plan` with `vars`: each variable whose validation (or type) refused its value, with the message. */
  readonly rejected: (vars: Vars) => Record<string, string>
  /** Every variable's and every local's value for `vars` (defaults for the rest), as terraform computes them. */
  readonly scope: (vars?: Vars) => Scope
  readonly close: () => void
}

/** A temp copy of the provider-free part of terraform/, initialised once (no backend, no providers). */
export const startEngine = (files: ReadonlyArray<string> = ["variables.tf", "locals.tf"]): Engine => {
  requireTerraform()
  const dir = mkdtempSync(join(tmpdir(), "tf-engine-"))
  for (const f of files) copyFileSync(join(TERRAFORM_DIR, f), join(dir, f))
  // Referencing every local makes plan evaluate all of them, so a local that fails for some input fails the plan.
  const localNames = [...readFileSync(join(TERRAFORM_DIR, "locals.tf"), "utf8").matchAll(/^ {2}([a-z_0-9]+)\s*=/gm)].map((m) => m[1]!)
  writeFileSync(join(dir, "probe.tf"), `output "locals" {\n  value = {\n${localNames.map((l) => `    ${l} = local.${l}`).join("\n")}\n  }\n}\n`)
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
    writeFileSync(join(dir, "probe.tfvars.json"), `{\n${keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(vars[k])}`).join(",\n")}\n}\n`)
    return { keys }
  }

  const evaluate = (vars: Vars, expressions: Record<string, string>): Record<string, unknown> => {
    writeVars(vars)
    const names = Object.keys(expressions)
    const expr = `jsonencode({ ${names.map((n) => `${JSON.stringify(n)} = ${expressions[n]}`).join(", ")} })`
    // console reads one expression per line
    const r = terraform(["console", "-var-file=probe.tfvars.json"], dir, expr + "\n")
    if (r.code !== 0 || r.stderr.trim() !== "") throw new Error(`terraform console failed for ${expr}: ${r.stderr || r.stdout}`)
    return JSON.parse(JSON.parse(r.stdout.trim()))
  }
  const scopes = new Map<string, Scope>()

  return {
    evaluate,
    scope: (vars = {}) => {
      const key = JSON.stringify(vars)
      if (!scopes.has(key)) {
        const all = (names: Iterable<string>, root: string) => `{ ${[...names].map((n) => `${n} = ${root}.${n}`).join(", ")} }`
        const { vars: v, locals } = evaluate(vars, { vars: all(declared.values(), "var"), locals: all(localNames, "local") })
        scopes.set(key, { vars: v as Record<string, Value>, locals: locals as Record<string, Value> })
      }
      return scopes.get(key)!
    },
    rejected: (vars) => {
      const { keys } = writeVars(vars)
      const r = terraform(["plan", "-input=false", "-refresh=false", "-lock=false", "-json", "-var-file=probe.tfvars.json"], dir)
      const out: Record<string, string> = {}
      for (const line of r.stdout.split("\n")) {
        if (!line.startsWith("{")) continue
        const m = JSON.parse(line)
        if (m.type !== "diagnostic" || m.diagnostic.severity !== "error") continue
        const d = m.diagnostic
        const at = d.range?.start?.line as number | undefined
        const name = d.range?.filename === "probe.tfvars.json" ? keys[(at ?? 0) - 2] : d.range?.filename === "variables.tf" ? declared.get(at ?? 0) : undefined
        if (!name) throw new Error(`terraform plan reported an error on no variable: ${d.summary}: ${d.detail}`)
        out[name] = `${d.summary}: ${d.detail}`
      }
      if (r.code !== 0 && Object.keys(out).length === 0) throw new Error(`terraform plan failed: ${r.stderr || r.stdout}`)
      if (r.code === 0 && Object.keys(out).length > 0) throw new Error("terraform plan succeeded but reported errors")
      return out
    },
    close: () => rmSync(dir, { recursive: true, force: true })
  }
}

/** A resource's expression (out of the engine's offline reach) evaluated with the engine's variables and locals. */
export const evaluateIn = (engine: Engine, value: unknown, vars: Vars = {}): Value => evaluateValue(value, engine.scope(vars))
