/**
 * The real Terraform engine, run offline on what needs no provider: a copy of variables.tf and locals.tf plus a
 * probe. It evaluates every variable validation and every local exactly as `terraform apply` will.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { caseOf, cloneCases, declarationsOf } from "./clones.ts"
import { evaluateValue, referenceRoots, type Scope, type Value, wholeExpression } from "./hcl-eval.ts"
import { TERRAFORM_DIR } from "./load.ts"
import {
  declarationLines,
  type Diagnostic,
  init,
  plan,
  requireTerraform,
  terraform,
  VAR_FILE,
  type Vars,
  writeVarFile
} from "./terraform-cli.ts"

export { requireTerraform, terraform, terraformBin, type TfValue, type Vars } from "./terraform-cli.ts"

export interface Engine {
  /** Evaluates each named expression (var., local., functions) for `vars`, through `terraform console`. */
  readonly evaluate: (vars: Vars, expressions: Record<string, string>) => Record<string, unknown>
  /** Evaluates one expression for each case, all in one `terraform console`. */
  readonly evaluateEach: (expression: string, cases: ReadonlyArray<Vars>) => Array<unknown>
  /** Runs `terraform plan` with `vars`: each variable whose validation (or type) refused its value, and why. */
  readonly rejected: (vars: Vars) => Record<string, string>
  /** `rejected` for each case, all in one `terraform plan`. */
  readonly rejectedEach: (cases: ReadonlyArray<Vars>) => Array<Record<string, string>>
  /** Every diagnostic (errors and warnings) of `terraform plan` with a .tfvars file's text. */
  readonly planDiagnostics: (tfvars: string) => Array<Diagnostic>
  /** Every variable's and every local's value for `vars` (defaults for the rest), as terraform computes them. */
  readonly scope: (vars?: Vars) => Scope
  /** The generated probe.tf (outputs of every local, for_each stand-ins). */
  readonly probe: string
  readonly close: () => void
}

const onlyVariablesAndLocals = (expression: string) =>
  [...referenceRoots(expression)].every((r) => r === "var" || r === "local")

/** A probe referencing every local (so plan evaluates them all) and each resource's for_each on variables and
 * locals, on terraform's built-in terraform_data (no provider download): plan proves terraform accepts it. */
const probeOf = (localNames: ReadonlyArray<string>) => {
  const forEach = readdirSync(TERRAFORM_DIR).filter((f) => f.endsWith(".tf")).flatMap((f) =>
    [...readFileSync(join(TERRAFORM_DIR, f), "utf8").matchAll(/^ {2}for_each = (.+)$/gm)].map((m) => m[1]!)
  ).filter(onlyVariablesAndLocals)
  return [
    `output "locals" {\n  value = {\n${localNames.map((l) => `    ${l} = local.${l}`).join("\n")}\n  }\n}\n`,
    ...forEach.map((e, i) => `resource "terraform_data" "for_each_${i}" {\n  for_each = ${e}\n}\n`)
  ].join("\n")
}

/** A diagnostic's message without where it was checked (a clone is checked under its own name). */
const messageOf = (d: Diagnostic) =>
  `${d.summary}: ${
    d.detail.split("\n\n")[0]!.replace(/ declared at [^:]+:[0-9,-]+/, "").replace(/(var\.[a-z0-9_]+)__\d+/g, "$1")
  }`

/** Each variable refused by a plan, by name: diagnostics point at its line in the var file or its declaration. */
const refusals = (result: ReturnType<typeof plan>, keys: ReadonlyArray<string>, declared: Map<number, string>) => {
  const out: Record<string, string> = {}
  for (const d of result.diagnostics.filter((d) => d.severity === "error")) {
    const at = d.range?.start.line ?? 0
    const name = d.range?.filename === VAR_FILE ? keys[at - 2] : declared.get(at)
    if (!name) throw new Error(`terraform plan reported an error on no variable: ${d.summary}: ${d.detail}`)
    out[name] = messageOf(d)
  }
  if (result.code !== 0 && Object.keys(out).length === 0) throw new Error(`terraform plan failed: ${result.output}`)
  if (result.code === 0 && Object.keys(out).length > 0) throw new Error("terraform plan succeeded but reported errors")
  return out
}

const consoleEval = (dir: string, expression: string): unknown => {
  // console reads one expression per line
  const r = terraform(["console", `-var-file=${VAR_FILE}`], dir, expression.replace(/\n/g, " ") + "\n")
  if (r.code !== 0 || r.stderr.trim() !== "") throw new Error(`terraform console failed for ${expression}: ${r.stderr}`)
  return JSON.parse(JSON.parse(r.stdout.trim()))
}

/** A temp copy of the provider-free part of terraform/, initialised once (no backend, no providers). */
export const startEngine = (): Engine => {
  requireTerraform()
  const dir = mkdtempSync(join(tmpdir(), "tf-engine-"))
  const variablesTf = readFileSync(join(TERRAFORM_DIR, "variables.tf"), "utf8")
  const localsTf = readFileSync(join(TERRAFORM_DIR, "locals.tf"), "utf8")
  const localNames = [...localsTf.matchAll(/^ {2}([a-z_0-9]+)\s*=/gm)].map((m) => m[1]!)
  const declarations = declarationsOf(variablesTf)
  const declared = declarationLines(variablesTf)
  for (const f of ["variables.tf", "locals.tf"]) copyFileSync(join(TERRAFORM_DIR, f), join(dir, f))
  const probe = probeOf(localNames)
  writeFileSync(join(dir, "probe.tf"), probe)
  init(dir)

  // Cases run in a second copy: variables.tf for the defaults, clones.tf for the cases.
  const batch = join(dir, "cases")
  mkdirSync(batch)
  copyFileSync(join(dir, "variables.tf"), join(batch, "variables.tf"))
  let batchReady = false
  const writeClones = (text: string) => {
    if (!batchReady) init(batch)
    batchReady = true
    writeFileSync(join(batch, "clones.tf"), text)
  }

  const evaluated = new Map<string, Record<string, unknown>>()
  const evaluate = (vars: Vars, expressions: Record<string, string>) => {
    const key = JSON.stringify([vars, expressions])
    if (!evaluated.has(key)) {
      writeVarFile(dir, vars)
      const fields = Object.entries(expressions).map(([n, e]) => `${JSON.stringify(n)} = ${e}`)
      evaluated.set(key, consoleEval(dir, `jsonencode({ ${fields.join(", ")} })`) as Record<string, unknown>)
    }
    return evaluated.get(key)!
  }
  const scopes = new Map<string, Scope>()

  return {
    probe,
    evaluate,
    evaluateEach: (expression, cases) => {
      const clones = cloneCases(declarations, cases, { text: localsTf, names: localNames })
      writeClones(clones.text)
      writeVarFile(batch, clones.values)
      return consoleEval(
        batch,
        `jsonencode([${cases.map((_, i) => clones.rename(expression, i)).join(", ")}])`
      ) as Array<
        unknown
      >
    },
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
    rejected: (vars) => {
      const keys = writeVarFile(dir, vars)
      return refusals(plan(dir, VAR_FILE), keys, declared)
    },
    rejectedEach: (cases) => {
      const clones = cloneCases(declarations, cases)
      writeClones(clones.text)
      const keys = writeVarFile(batch, clones.values)
      const out = cases.map(() => ({}) as Record<string, string>)
      for (
        const [clone, message] of Object.entries(refusals(plan(batch, VAR_FILE), keys, declarationLines(clones.text)))
      ) {
        const { index, name } = caseOf(clone)
        out[index]![name] = message
      }
      return out
    },
    planDiagnostics: (tfvars) => {
      writeFileSync(join(dir, "probe.tfvars"), tfvars)
      return plan(dir, "probe.tfvars").diagnostics
    },
    close: () => rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * A value from a resource, for `vars`: by terraform console when it is one expression on variables and locals
 * only; by hcl-eval (on terraform's variables and locals) when it refers to other resources or is a template.
 */
export const evaluateIn = (engine: Engine, value: unknown, vars: Vars = {}): Value => {
  const expression = wholeExpression(value)
  if (expression !== undefined && onlyVariablesAndLocals(expression)) {
    return engine.evaluate(vars, { v: expression }).v as Value
  }
  return evaluateValue(value, engine.scope(vars))
}

/** evaluateIn for many cases; one terraform console for all when the value is on variables and locals only. */
export const evaluateInEach = (engine: Engine, value: unknown, cases: ReadonlyArray<Vars>): Array<Value> => {
  const expression = wholeExpression(value)
  if (expression !== undefined && onlyVariablesAndLocals(expression)) {
    return engine.evaluateEach(expression, cases) as Array<Value>
  }
  return cases.map((vars) => evaluateValue(value, engine.scope(vars)))
}
