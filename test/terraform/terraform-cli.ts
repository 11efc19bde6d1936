/**
 * The terraform binary: where it is, how it is run (no user config, no network check, no colours), and the
 * diagnostics of `plan -json`. A missing binary is an error, never a skip.
 */
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"

/** The binary: TERRAFORM_BIN, else where the machine image and CI have it. */
export const terraformBin = () => process.env.TERRAFORM_BIN ?? "/usr/local/bin/terraform"

export const requireTerraform = () => {
  if (!existsSync(terraformBin())) {
    throw new Error(
      `The real Terraform engine is missing: no executable at ${terraformBin()}. These checks fail rather than ` +
        "skip: install Terraform 1.11.4 at /usr/local/bin/terraform (the CI image has it) or point TERRAFORM_BIN at it."
    )
  }
}

// No ~/.terraformrc, no version check, no colours: the same run on every machine.
const ENV = { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" }

export const terraform = (args: ReadonlyArray<string>, cwd: string, stdin?: string) => {
  requireTerraform()
  const r = Bun.spawnSync([terraformBin(), ...args], {
    cwd,
    env: ENV,
    stdin: stdin === undefined ? "ignore" : Buffer.from(stdin)
  })
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

export const init = (dir: string) => {
  const r = terraform(["init", "-backend=false", "-input=false", "-no-color"], dir)
  if (r.code !== 0) throw new Error(`terraform init failed in ${dir}: ${r.stderr || r.stdout}`)
}

export type TfValue = string | number | boolean | null | ReadonlyArray<TfValue> | { readonly [key: string]: TfValue }
export type Vars = Record<string, TfValue>

export const VAR_FILE = "probe.tfvars.json"

/** Writes `vars` one per line, so that a diagnostic's line in the file names its variable; returns the names. */
export const writeVarFile = (dir: string, vars: Vars): Array<string> => {
  const keys = Object.keys(vars)
  const lines = keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(vars[k])}`)
  writeFileSync(join(dir, VAR_FILE), `{\n${lines.join(",\n")}\n}\n`)
  return keys
}

export interface Diagnostic {
  readonly severity: string
  readonly summary: string
  readonly detail: string
  readonly range?: { readonly filename: string; readonly start: { readonly line: number } }
}

/** `terraform plan` with a var file: its exit code and every diagnostic. */
export const plan = (dir: string, varFile: string) => {
  const r = terraform(["plan", "-input=false", "-refresh=false", "-lock=false", "-json", `-var-file=${varFile}`], dir)
  const diagnostics = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
    .filter((m) => m.type === "diagnostic").map((m) => m.diagnostic as Diagnostic)
  return { code: r.code, diagnostics, output: r.stderr || r.stdout }
}

/** The lines of `text` that declare a variable, by line number. */
export const declarationLines = (text: string): Map<number, string> => {
  const lines = new Map<number, string>()
  text.split("\n").forEach((line, n) => {
    const m = /^variable "([a-z0-9_]+)"/.exec(line)
    if (m) lines.set(n + 1, m[1]!)
  })
  return lines
}
