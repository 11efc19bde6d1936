import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { cgroupFreezer, type Freezer } from "./freezer.ts"
import { CPU_PERIOD_MICROS, cpuQuotaMicros } from "./lambda-resources.ts"

/** A memory- and CPU-limited group for one execution environment. */
export interface ResourceLimit {
  readonly description: string
  /** Wraps a command so that it runs inside the group from its first instruction. */
  readonly wrap: (command: Array<string>) => Array<string>
  /** Peak memory use of the group, in MB. */
  readonly peakMemoryMb: () => number
  /** How many times the kernel's OOM killer fired in the group. */
  readonly oomKills: () => number
  /**
   * The CPU allowance of a lifecycle phase: during init none (measured on AWS, init code runs
   * unthrottled below 3 GB), from the first invocation on the memory size's share.
   */
  readonly setCpuPhase: (phase: "init" | "invoke") => void
  /** The limits as the kernel holds them: memory in bytes, CPU as a share of one core (Infinity: unlimited). */
  readonly applied: () => { readonly memoryBytes: number; readonly cpus: number }
  /**
   * cgroup v2 only: the group's own freezer (cgroup.freeze), which stops everything in it at once. Without
   * it (cgroup v1, whose freezer is a controller of its own), the environment's process group is stopped.
   */
  readonly freezer?: () => Freezer
  readonly remove: () => void
}

export interface CgroupSupport {
  readonly available: boolean
  readonly reason: string
  /** The folders new groups are created in. */
  readonly parents?: ReadonlyArray<string>
  readonly create?: (name: string, memoryMb: number) => ResourceLimit
  /**
   * The same, but the groups it creates weigh CPU_PRIORITY times a default group or process when the
   * CPU is contended (v1 cpu.shares, v2 cpu.weight): an environment gets its share when it asks for it,
   * as on Lambda, ahead of whatever else runs on a shared machine. The quota still caps it.
   */
  readonly prioritised?: () => CgroupSupport
}

/** How many times a default task's CPU weight prioritised groups get (nice -10 is about 9.3x nice 0's). */
export const CPU_PRIORITY = 10

const read = (path: string) => readFileSync(path, "utf8").trim()
const tryWrite = (path: string, value: string) => {
  try {
    writeFileSync(path, value)
    return true
  } catch {
    return false
  }
}

// The shell moves itself into the group(s), then becomes the command: no moment runs unconstrained.
const enterAndExec = (procsFiles: Array<string>) => (command: Array<string>) => [
  "/bin/sh",
  "-c",
  `${procsFiles.map((f) => `echo $$ > '${f}'`).join(" && ")} && exec "$@"`,
  "sh",
  ...command
]

const ownPath = (controller: string): string => {
  for (const line of read("/proc/self/cgroup").split("\n")) {
    const [, controllers, path] = line.split(":")
    if (
      controllers !== undefined &&
      (controller === "" ? controllers === "" : controllers.split(",").includes(controller))
    ) return path ?? "/"
  }
  return "/"
}

/** cgroup v2: memory.max, memory.swap.max, cpu.max; memory.peak and memory.events. */
const v2 = (mount: string): CgroupSupport => {
  const parent = join(mount, ownPath(""))
  const controllers = existsSync(join(parent, "cgroup.controllers"))
    ? read(join(parent, "cgroup.controllers")).split(/\s+/)
    : []
  if (!controllers.includes("memory") || !controllers.includes("cpu")) {
    return { available: false, reason: `cgroup v2 at ${parent} does not delegate the memory and cpu controllers` }
  }
  // Children can only use controllers the parent enables for its subtree.
  tryWrite(join(parent, "cgroup.subtree_control"), "+memory +cpu")
  const support = (weight: number | undefined): CgroupSupport => ({
    available: true,
    reason: `cgroup v2 (${parent})`,
    parents: [parent],
    ...(weight === undefined ? { prioritised: () => support(100 * CPU_PRIORITY) } : {}),
    create: (name, memoryMb) => {
      const dir = join(parent, name)
      mkdirSync(dir)
      if (weight !== undefined) writeFileSync(join(dir, "cpu.weight"), String(weight))
      writeFileSync(join(dir, "memory.max"), String(memoryMb * 1024 * 1024))
      tryWrite(join(dir, "memory.swap.max"), "0")
      const setCpuPhase = (phase: "init" | "invoke") =>
        writeFileSync(
          join(dir, "cpu.max"),
          `${phase === "init" ? "max" : cpuQuotaMicros(memoryMb)} ${CPU_PERIOD_MICROS}`
        )
      setCpuPhase("invoke")
      return {
        description: `cgroup v2 ${dir}`,
        setCpuPhase,
        wrap: enterAndExec([join(dir, "cgroup.procs")]),
        peakMemoryMb: () => (existsSync(join(dir, "memory.peak"))
          ? Math.ceil(Number(read(join(dir, "memory.peak"))) / 1024 / 1024)
          : 0),
        oomKills: () => Number(/oom_kill (\d+)/.exec(read(join(dir, "memory.events")))?.[1] ?? 0),
        applied: () => {
          const [quota, period] = read(join(dir, "cpu.max")).split(" ") as [string, string]
          return {
            memoryBytes: Number(read(join(dir, "memory.max"))),
            cpus: quota === "max" ? Infinity : Number(quota) / Number(period)
          }
        },
        freezer: () => cgroupFreezer(dir),
        remove: () => void (existsSync(dir) && rmdirSync(dir))
      }
    }
  })
  return support(undefined)
}

/** cgroup v1: memory.limit_in_bytes (and memsw), cpu.cfs_quota_us; max_usage_in_bytes and oom_control. */
const v1 = (root: string): CgroupSupport => {
  const memoryParent = join(root, "memory", ownPath("memory"))
  const cpuParent = join(root, "cpu", ownPath("cpu"))
  if (!existsSync(join(memoryParent, "memory.limit_in_bytes")) || !existsSync(join(cpuParent, "cpu.cfs_quota_us"))) {
    return { available: false, reason: "no cgroup v1 memory and cpu hierarchies" }
  }
  const support = (shares: number | undefined): CgroupSupport => ({
    available: true,
    reason: `cgroup v1 (${memoryParent}, ${cpuParent})`,
    parents: [memoryParent, cpuParent],
    ...(shares === undefined ? { prioritised: () => support(1024 * CPU_PRIORITY) } : {}),
    create: (name, memoryMb) => {
      const memory = join(memoryParent, name)
      const cpu = join(cpuParent, name)
      mkdirSync(memory)
      mkdirSync(cpu)
      if (shares !== undefined) writeFileSync(join(cpu, "cpu.shares"), String(shares))
      const bytes = String(memoryMb * 1024 * 1024)
      writeFileSync(join(memory, "memory.limit_in_bytes"), bytes)
      tryWrite(join(memory, "memory.memsw.limit_in_bytes"), bytes) // no swap beyond the limit, as on Lambda
      // Quota first when shrinking the period would otherwise be rejected against the old quota.
      writeFileSync(join(cpu, "cpu.cfs_quota_us"), "-1")
      writeFileSync(join(cpu, "cpu.cfs_period_us"), String(CPU_PERIOD_MICROS))
      const setCpuPhase = (phase: "init" | "invoke") =>
        writeFileSync(join(cpu, "cpu.cfs_quota_us"), phase === "init" ? "-1" : String(cpuQuotaMicros(memoryMb)))
      setCpuPhase("invoke")
      return {
        description: `cgroup v1 ${memory}`,
        setCpuPhase,
        wrap: enterAndExec([join(memory, "cgroup.procs"), join(cpu, "cgroup.procs")]),
        peakMemoryMb: () => Math.ceil(Number(read(join(memory, "memory.max_usage_in_bytes"))) / 1024 / 1024),
        oomKills: () => Number(/oom_kill (\d+)/.exec(read(join(memory, "memory.oom_control")))?.[1] ?? 0),
        applied: () => ({
          memoryBytes: Number(read(join(memory, "memory.limit_in_bytes"))),
          cpus: read(join(cpu, "cpu.cfs_quota_us")) === "-1"
            ? Infinity
            : Number(read(join(cpu, "cpu.cfs_quota_us"))) / Number(read(join(cpu, "cpu.cfs_period_us")))
        }),
        remove: () => {
          for (const dir of [memory, cpu]) if (existsSync(dir)) rmdirSync(dir)
        }
      }
    }
  })
  return support(undefined)
}

/** Removes the empty groups left by runs that were killed (their owner pid is gone). */
const sweepStale = (parents: ReadonlyArray<string>) => {
  for (const parent of parents) {
    let names: Array<string> = []
    try {
      names = readdirSync(parent)
    } catch {
      continue
    }
    for (const name of names) {
      const owner = /^bun-lambda-(\d+)-/.exec(name)?.[1]
      if (owner === undefined || existsSync(`/proc/${owner}`)) continue
      try {
        rmdirSync(join(parent, name))
      } catch {
        // still has processes, or not ours to remove
      }
    }
  }
}

/** Finds a writable cgroup hierarchy (v2 first, then v1); says why when there is none. */
export const detectCgroups = (): CgroupSupport => {
  if (process.platform !== "linux") return { available: false, reason: "cgroups need Linux" }
  if (process.getuid?.() !== 0) return { available: false, reason: "cgroups need root" }
  const attempts: Array<string> = []
  for (
    const candidate of [
      () => (existsSync("/sys/fs/cgroup/cgroup.controllers")
        ? v2("/sys/fs/cgroup")
        : { available: false, reason: "no cgroup v2 at /sys/fs/cgroup" }),
      () => (existsSync("/sys/fs/cgroup/unified/cgroup.controllers")
        ? v2("/sys/fs/cgroup/unified")
        : { available: false, reason: "no cgroup v2 at /sys/fs/cgroup/unified" }),
      () => v1("/sys/fs/cgroup")
    ]
  ) {
    try {
      const support = candidate()
      if (!support.available) {
        attempts.push(support.reason)
        continue
      }
      sweepStale(support.parents ?? [])
      // Prove it is writable before relying on it.
      const probe = support.create!(`bun-lambda-probe-${process.pid}`, 128)
      probe.remove()
      return support
    } catch (e) {
      attempts.push(e instanceof Error ? e.message : String(e))
    }
  }
  return { available: false, reason: attempts.join("; ") }
}
