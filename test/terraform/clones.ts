/**
 * Many inputs in one terraform run: each case's variables (and the locals, when asked) are declared again
 * under names of their own (`timeout__3`, `local.names__3`), with the same text, references renamed. Terraform
 * then validates and evaluates every case at once, exactly as it would one at a time (engine.test.ts checks).
 */
import type { Vars } from "./terraform-cli.ts"

const renameAll = (text: string, kind: "var" | "local", names: Iterable<string>, i: number) =>
  [...names].reduce((t, n) => t.replace(new RegExp(`\\b${kind}\\.${n}\\b`, "g"), `${kind}.${n}__${i}`), text)

/** Each variable's whole declaration (terraform fmt puts its closing brace at column 0). */
export const declarationsOf = (variablesTf: string) =>
  new Map([...variablesTf.matchAll(/^variable "([a-z0-9_]+)" \{\n[\s\S]*?^\}$/gm)].map((m) => [m[1]!, m[0]]))

/**
 * The variables case `i` must declare again: its own, and every variable whose validation refers to one
 * of them (so a cross-variable validation sees the case's values), transitively.
 */
const cloned = (declarations: Map<string, string>, vars: Vars): Set<string> => {
  const names = new Set(Object.keys(vars))
  for (let grew = true; grew;) {
    grew = false
    for (const [name, text] of declarations) {
      if (!names.has(name) && [...names].some((n) => new RegExp(`\\bvar\\.${n}\\b`).test(text))) {
        names.add(name)
        grew = true
      }
    }
  }
  return names
}

export interface CaseClones {
  /** The declarations to add to a copy of variables.tf (and locals.tf). */
  readonly text: string
  /** The var file's values, under the clones' names. */
  readonly values: Vars
  /** An expression written for the originals, renamed for case `i`. */
  readonly rename: (expression: string, i: number) => string
}

export const cloneCases = (
  declarations: Map<string, string>,
  cases: ReadonlyArray<Vars>,
  locals?: { readonly text: string; readonly names: ReadonlyArray<string> }
): CaseClones => {
  const perCase = cases.map((vars) => cloned(declarations, vars))
  const rename = (expression: string, i: number) => {
    const withVars = renameAll(expression, "var", perCase[i]!, i)
    return locals ? renameAll(withVars, "local", locals.names, i) : withVars
  }
  const blocks: Array<string> = []
  const values: Vars = {}
  cases.forEach((vars, i) => {
    for (const name of perCase[i]!) {
      const text = declarations.get(name)
      if (!text) throw new Error(`terraform declares no variable ${name}`)
      blocks.push(rename(text, i).replace(`variable "${name}" {`, `variable "${name}__${i}" {`))
      if (name in vars) values[`${name}__${i}`] = vars[name]!
    }
    if (locals) {
      const defined = new RegExp(`^ {2}(${locals.names.join("|")})(\\s*=)`, "gm")
      blocks.push(rename(locals.text, i).replace(defined, `  $1__${i}$2`))
    }
  })
  return { text: blocks.join("\n\n") + "\n", values, rename }
}

/** The case and variable a clone's name stands for. */
export const caseOf = (clone: string): { readonly index: number; readonly name: string } => {
  const m = /^(.+)__(\d+)$/.exec(clone)
  if (!m) throw new Error(`${clone} is no case's clone`)
  return { index: Number(m[2]), name: m[1]! }
}
