/** What Lambda prints after each invocation. */
export interface InvocationReport {
  readonly requestId: string
  readonly durationMs: number
  readonly billedDurationMs: number
  readonly memorySizeMb: number
  readonly maxMemoryUsedMb: number
  /** Present on a cold start only. */
  readonly initDurationMs?: number
  readonly status?: "timeout" | "error"
}

/** Custom runtimes are billed for init as well, in 1 ms steps. */
export const billedDuration = (durationMs: number, initDurationMs?: number) =>
  Math.ceil(durationMs + (initDurationMs ?? 0))

export const reportLine = (r: InvocationReport): string =>
  [
    `REPORT RequestId: ${r.requestId}`,
    `Duration: ${r.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${r.billedDurationMs} ms`,
    `Memory Size: ${r.memorySizeMb} MB`,
    `Max Memory Used: ${r.maxMemoryUsedMb} MB`,
    ...(r.initDurationMs === undefined ? [] : [`Init Duration: ${r.initDurationMs.toFixed(2)} ms`]),
    ...(r.status === "timeout" ? ["Status: timeout"] : [])
  ].join("\t")

/** A memory figure of a process from /proc (VmHWM: peak resident, VmRSS: resident now), in kB. */
export const processMemoryKb = async (
  pid: number | undefined,
  field: "VmHWM" | "VmRSS"
): Promise<number | undefined> => {
  if (pid === undefined) return undefined
  try {
    const status = await Bun.file(`/proc/${pid}/status`).text()
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status)?.[1])
    return Number.isFinite(kb) ? kb : undefined
  } catch {
    return undefined
  }
}

/** Peak resident memory of a process, in whole MB, or 0 when it cannot be read. */
export const peakMemoryMb = async (pid: number | undefined): Promise<number> => {
  const kb = await processMemoryKb(pid, "VmHWM")
  return kb === undefined ? 0 : Math.ceil(kb / 1024)
}
