/**
 * Which names a .tf file writes as blocks (`name {`) and which as attributes (`name = ...`), by path.
 * hcl2json renders `x { ... }` and `x = [{ ... }]` alike; the schema check needs to tell them apart.
 * Works on `terraform fmt`-formatted files (one attribute or block header per line, which the suite
 * enforces) and throws on any line it cannot place.
 */
export type Kind = "block" | "attribute"

/** Net bracket depth of a line of expression text, skipping strings (with their ${...}) and comments. */
const bracketDepth = (text: string, line: number): number => {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === "#" || (c === "/" && text[i + 1] === "/")) break
    if (c === "\"") i = skipString(text, i, line)
    else if ("{[(".includes(c)) depth++
    else if ("}])".includes(c)) depth--
  }
  return depth
}

/** Index of the closing quote of the string opening at `start` (interpolations may hold strings). */
const skipString = (text: string, start: number, line: number): number => {
  let i = start + 1
  let interpolation = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === "\\") i += 2
    else if (c === "$" && text[i + 1] === "{") {
      interpolation++
      i += 2
    } else if (c === "}" && interpolation > 0) {
      interpolation--
      i++
    } else if (c === "\"" && interpolation > 0) i = skipString(text, i, line) + 1
    else if (c === "\"") return i
    else i++
  }
  throw new Error(`structure: a string does not end on line ${line}`)
}

/** One block header or attribute: its line (1-based), the enclosing headers' words, its name and kind. */
export interface Placed {
  readonly line: number
  readonly path: ReadonlyArray<string>
  readonly name: string
  readonly kind: Kind
}

/** Map of "path/to/name" → kind, where the path is the block headers' words (type and labels included). */
export const structureOf = (text: string): Map<string, Kind> => {
  const kinds = new Map<string, Kind>()
  for (const p of placesOf(text)) {
    const key = [...p.path, p.name].join("/")
    const seen = kinds.get(key)
    if (seen && seen !== p.kind) throw new Error(`structure: ${key} is both a block and an attribute (line ${p.line})`)
    kinds.set(key, p.kind)
  }
  return kinds
}

/** Every block header and attribute of the file, in order. */
export const placesOf = (text: string): Array<Placed> => {
  const places: Array<Placed> = []
  const stack: Array<Array<string>> = []
  const lines = text.split("\n")
  const record = (name: string, kind: Kind, n: number) => places.push({ line: n, path: stack.flat(), name, kind })
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim()
    if (line === "" || line.startsWith("#") || line.startsWith("//")) continue
    if (line.startsWith("/*")) throw new Error(`structure: block comments are not supported (line ${n + 1})`)
    let m: RegExpExecArray | null
    if (line === "}") {
      if (!stack.pop()) throw new Error(`structure: unbalanced } on line ${n + 1}`)
    } else if ((m = /^([a-z_][a-z0-9_-]*)((?:\s+"[^"]*")*)\s*\{(\})?$/.exec(line))) {
      record(m[1]!, "block", n + 1)
      // An empty block `name "label" {}` opens and closes on its line.
      if (!m[3]) stack.push([m[1]!, ...[...m[2]!.matchAll(/"([^"]*)"/g)].map((l) => l[1]!)])
    } else if ((m = /^([a-z_][a-z0-9_-]*)\s*=\s*(.*)$/i.exec(line))) {
      record(m[1]!, "attribute", n + 1)
      const heredoc = /<<-?([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(m[2]!)
      if (heredoc) {
        while (n < lines.length - 1 && lines[++n]!.trim() !== heredoc[1]) { /* heredoc body */ }
        continue
      }
      // A multi-line value (object, tuple, call): its lines are expression, not structure.
      let depth = bracketDepth(m[2]!, n + 1)
      while (depth > 0 && n < lines.length - 1) depth += bracketDepth(lines[++n]!, n + 1)
      if (depth !== 0) throw new Error(`structure: unbalanced brackets in the value of ${m[1]} (line ${n + 1})`)
    } else throw new Error(`structure: cannot place line ${n + 1}: ${line}`)
  }
  if (stack.length > 0) throw new Error("structure: a block is not closed")
  return places
}
