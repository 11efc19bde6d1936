import { readdirSync } from "node:fs"
import { availableParallelism, setPriority } from "node:os"

/**
 * Keeps the emulators and proxies (all in the benchmark's own process) off the CPU the function's
 * environments run on, so that the emulators' service time does not land in the function's
 * duration: the benchmark on CPUs 1.., the environments (via taskset inside their resource group)
 * on CPU 0. Needs 2+ CPUs and taskset.
 */
export interface Pinning {
  readonly environmentCpus?: string
  readonly note: string
}

export const pinBenchmark = (enabled: boolean, grouped: boolean): Pinning => {
  const cpus = availableParallelism()
  if (!enabled) return { note: "environments and emulators not pinned to separate CPUs (no --pin)" }
  if (cpus < 2) return { note: `not pinned (${cpus} CPU)` }
  if (!grouped) return { note: "not pinned (environments run without a resource group)" }
  if (!Bun.which("taskset")) return { note: "not pinned (no taskset)" }
  const others = cpus === 2 ? "1" : `1-${cpus - 1}`
  // -a: every thread of this process (JSC's and the HTTP servers'); threads started later inherit it.
  const command = ["taskset", "-a", "-cp", others, String(process.pid)]
  const pinned = Bun.spawnSync(command, { stdout: "ignore", stderr: "pipe" })
  if (pinned.exitCode !== 0) return { note: `not pinned (taskset: ${pinned.stderr.toString().trim() || "failed"})` }
  const note = `environments pinned to CPU 0, emulators and proxies to CPU ${others} (taskset)`
  return { environmentCpus: "0", note }
}

/** The benchmark process's nice value when prioritised: about CPU_PRIORITY times nice 0's weight (cgroups.ts). */
export const BENCHMARK_NICE = -10

/**
 * Raises every thread of this process (emulators, proxies, Runtime APIs, event source mappings) to
 * BENCHMARK_NICE, as the environments' groups are raised: on a machine shared with other work, the
 * wait on AWS and the Runtime API's timing are then this benchmark's, not the other work's. Threads
 * started later inherit it. Says what it did.
 */
export const prioritiseBenchmark = (): string => {
  let raised = 0
  let failed = ""
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      setPriority(Number(tid), BENCHMARK_NICE)
      raised++
    } catch (e) {
      failed = e instanceof Error ? e.message : String(e)
    }
  }
  return raised > 0
    ? `the benchmark process at nice ${BENCHMARK_NICE}`
    : `the benchmark process not prioritised (${failed || "no threads"})`
}
