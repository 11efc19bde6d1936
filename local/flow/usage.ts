import { readFileSync } from "node:fs"

/** A script's opening comment (its usage line and what it does), as its --help prints it. */
export const usageOf = (scriptPath: string): string =>
  readFileSync(scriptPath, "utf8").split("*/")[0]!.replace(/^\/\*\*?|^ \* ?/gm, "")
