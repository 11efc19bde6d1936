/**
 * Lambda freezes an execution environment once its runtime (and every extension) has asked for the next
 * event and none is waiting, and thaws it when it hands one out: between invocations nothing in it runs,
 * not even a timer that falls due. The local Runtime API does the same by default (environment.ts), so
 * that work a function leaves to the background (a timed export, a collection) lands, as on Lambda, in the
 * next invocation's duration and not in the idle time between invocations that no REPORT sees.
 *
 * LOCAL_LAMBDA_FREEZE=off (or 0, false, no) leaves idle environments running, as before.
 */
export const FREEZE_ENV = "LOCAL_LAMBDA_FREEZE"

export const freezingByDefault = (env: Record<string, string | undefined> = process.env): boolean =>
  !/^(0|off|false|no)$/i.test(env[FREEZE_ENV]?.trim() ?? "")

let warned = false
/** Says loudly, once per process, that environments run on between invocations, unlike on Lambda. */
export const freezingUnavailable = (freezer: string, error: unknown) => {
  if (warned) return
  warned = true
  console.error(
    `WARNING: the local Runtime API cannot freeze idle execution environments (${freezer}: ${
      error instanceof Error ? error.message : String(error)
    }): they run on between invocations, unlike on Lambda, so timers and collections that fall due then ` +
      `are in no invocation's duration.`
  )
}
