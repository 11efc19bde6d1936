import type { FileSink } from "bun"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { signalGroup } from "./process-group.ts"

/**
 * Stops every process of an execution environment and resumes them, as Lambda freezes an environment
 * between invocations: a frozen process runs nothing, its timers included, until it is thawed.
 */
export interface Freezer {
  /** "cgroup v2 freezer (<dir>)" or "SIGSTOP/SIGCONT of process group <pgid>". */
  readonly description: string
  /** Asks for the freeze and returns at once: the kernel completes it a moment later (see `isFrozen`). */
  readonly freeze: () => void
  readonly thaw: () => void
  /** Whether the kernel reports the environment frozen (cgroup.events) or stopped (/proc state T) now. */
  readonly isFrozen: () => boolean
}

// A frozen process never ends by itself: if this process dies (Ctrl-C, a kill, a crash) while environments
// are frozen, they would stay so for good. One small shell per process holds a pipe from it and ignores the
// terminal's signals; when this process ends, however it ends, the pipe closes and the shell thaws every
// environment it was told of. Thawed, a runtime finds its Runtime API gone and exits, as it did before
// environments were frozen. (A SIGCONT to a process group gone since is harmless.)
const GUARD = `trap '' INT HUP TERM
list=""
while IFS= read -r line; do list="$list$line
"; done
printf '%s' "$list" | while read -r kind target; do
  case $kind in
    pgid) kill -CONT -"$target" 2>/dev/null ;;
    cgroup) echo 0 > "$target/cgroup.freeze" 2>/dev/null ;;
  esac
done`
let guard: FileSink | undefined
const thawOnExit = (line: string) => {
  if (!guard) {
    const shell = Bun.spawn(["/bin/sh", "-c", GUARD], { stdin: "pipe", stdout: "ignore", stderr: "ignore" })
    shell.unref()
    guard = shell.stdin
  }
  guard.write(`${line}\n`)
  void guard.flush()
}

/**
 * The cgroup v2 freezer of an environment's own group (`cgroup.freeze`): every process in it, those it
 * started too, frozen at once; a fatal signal (SIGKILL) still ends a frozen process.
 */
export const cgroupFreezer = (dir: string): Freezer => {
  let guarded = false
  return {
    description: `cgroup v2 freezer (${dir})`,
    freeze: () => {
      if (!guarded) thawOnExit(`cgroup ${dir}`)
      guarded = true
      writeFileSync(join(dir, "cgroup.freeze"), "1")
    },
    thaw: () => writeFileSync(join(dir, "cgroup.freeze"), "0"),
    isFrozen: () => {
      try {
        return /^frozen 1$/m.test(readFileSync(join(dir, "cgroup.events"), "utf8"))
      } catch {
        return false
      }
    }
  }
}

/** Whether a process is stopped by a signal (state T in /proc/<pid>/stat); false when it is gone. */
const stopped = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "T"
  } catch {
    return false
  }
}

/**
 * SIGSTOP and SIGCONT of the environment's process group (its leader spawned with setsid), where it has
 * no cgroup v2 group of its own. A process that is gone is not an error: there is nothing left to freeze.
 */
export const signalFreezer = (pgid: number): Freezer => {
  const signal = (name: "SIGSTOP" | "SIGCONT") => signalGroup(pgid, name)
  let guarded = false
  return {
    description: `SIGSTOP/SIGCONT of process group ${pgid}`,
    freeze: () => {
      if (!guarded) thawOnExit(`pgid ${pgid}`)
      guarded = true
      signal("SIGSTOP")
    },
    thaw: () => signal("SIGCONT"),
    isFrozen: () => stopped(pgid)
  }
}
