import { afterEach, describe, expect, test } from "bun:test"
import { existsSync, mkdirSync, readFileSync, rmdirSync } from "node:fs"
import { join, resolve } from "node:path"
import type { ResourceLimit } from "../../local/limits/cgroups.ts"
import { cgroupFreezer } from "../../local/limits/freezer.ts"
import { type EnvironmentOptions, ExecutionEnvironment } from "../../local/runtime-api/environment.ts"
import { FREEZE_ENV, freezingByDefault } from "../../local/runtime-api/freezing.ts"

// The real local Runtime API and the real bootstrap, over a function that leaves timers in the background
// (test/fixtures/functions/timers.ts). An idle environment must be frozen as Lambda freezes it.
const ROOT = resolve(import.meta.dir, "../..")
const FUNCTIONS = resolve(ROOT, "test/fixtures/functions")
// Generous: one slow core (taskset -c 0) on a shared machine.
const SLOW = 30_000
const TICK_MS = 100
const IDLE_MS = 1_500
const DUE_MS = 1_000

/**
 * A group of its own in a cgroup v2 hierarchy (the unified one of a hybrid machine too): the freezer needs
 * no controller, so this tests the cgroup.freeze path where the machine's resource groups are cgroup v1.
 * Limits nothing else. Undefined when no v2 group can be made here (not root, no v2 mount).
 */
const cgroupV2Group = (): ResourceLimit | undefined => {
  const own = /^0::(.*)$/m.exec(readFileSync("/proc/self/cgroup", "utf8"))?.[1] ?? "/"
  for (const mount of ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"]) {
    if (!existsSync(join(mount, "cgroup.controllers"))) continue
    const dir = join(mount, own, `bun-lambda-${process.pid}-freezing-test`)
    try {
      if (!existsSync(dir)) mkdirSync(dir)
      if (!existsSync(join(dir, "cgroup.freeze"))) throw new Error("no cgroup.freeze")
    } catch {
      continue
    }
    return {
      description: `cgroup v2 ${dir} (freezer only)`,
      wrap: (command) => ["/bin/sh", "-c", `echo $$ > '${dir}/cgroup.procs' && exec "$@"`, "sh", ...command],
      peakMemoryMb: () => 0,
      oomKills: () => 0,
      setCpuPhase: () => undefined,
      applied: () => ({ memoryBytes: Infinity, cpus: Infinity }),
      freezer: () => cgroupFreezer(dir),
      remove: () => void (existsSync(dir) && rmdirSync(dir))
    }
  }
  return undefined
}

const open: Array<ExecutionEnvironment> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.stop()))
})
const environment = (options: Partial<EnvironmentOptions> = {}) => {
  const lines: Array<string> = []
  const env = new ExecutionEnvironment({
    bootstrap: resolve(ROOT, "runtime/bootstrap"),
    taskRoot: FUNCTIONS,
    handler: "timers.background",
    timeoutMs: 10_000,
    onLog: (line) => void lines.push(line),
    ...options
  })
  open.push(env)
  return { env, lines }
}

interface Seen {
  readonly ticksAtStart: number
  readonly ticks: number
  readonly firedAt: number | null
}
const seen = (r: Awaited<ReturnType<ExecutionEnvironment["invoke"]>>): Seen => {
  if (r.status !== "success") throw new Error(`expected success, got ${JSON.stringify(r).slice(0, 1000)}`)
  return JSON.parse(r.payload) as Seen
}

/** One invocation that starts the timers, an idle time, and the next invocation. */
const idleBetweenTwo = async (env: ExecutionEnvironment) => {
  const first = seen(await env.invoke({ tickMs: TICK_MS, dueInMs: DUE_MS }))
  const frozen = await env.whenFrozen(DUE_MS / 2)
  await Bun.sleep(IDLE_MS)
  const secondAt = Date.now()
  const second = seen(await env.invoke({}))
  return { first, frozen, secondAt, second, idleTicks: second.ticksAtStart - first.ticks }
}

const hasCgroupV2 = process.platform === "linux" && process.getuid?.() === 0 && cgroupV2Group()?.remove() === undefined
if (!hasCgroupV2) console.warn("SKIPPED: the cgroup v2 freezer tests (need root and a cgroup v2 hierarchy)")
// Each test's environment in a group of its own (stop() removes it).
const variants: Array<[string, (() => Partial<EnvironmentOptions>) | undefined]> = [
  ["a process group stopped and continued (no cgroup v2 group)", () => ({})],
  [
    "the cgroup v2 freezer of the environment's own group",
    hasCgroupV2 ? () => ({ limit: cgroupV2Group()! }) : undefined
  ]
]

for (const [name, make] of variants) {
  describe.skipIf(!make)(`an idle environment is frozen: ${name}`, () => {
    test(
      "its background interval does not tick while idle, and a timer due meanwhile runs in the next invocation",
      async () => {
        const options = make!()
        const { env } = environment(options)
        const { frozen, idleTicks, second, secondAt } = await idleBetweenTwo(env)
        expect(env.freezerDescription).toContain(options.limit ? "cgroup v2 freezer" : "SIGSTOP/SIGCONT")
        expect(frozen).toBe(true)
        // Running, it would tick IDLE_MS / TICK_MS = 15 times; at most one tick before the freeze, one at the thaw.
        expect(idleTicks).toBeLessThanOrEqual(2)
        // Due DUE_MS after the first invocation, during the idle time: it ran only once the second one began.
        expect(second.firedAt).not.toBeNull()
        expect(second.firedAt!).toBeGreaterThanOrEqual(secondAt)
      },
      SLOW
    )

    test(
      "shut down while frozen, it is thawed first: SIGTERM reaches the runtime, whose hook runs, and it exits 0",
      async () => {
        const { env, lines } = environment(make!())
        seen(await env.invoke({ tickMs: TICK_MS }))
        expect(await env.whenFrozen()).toBe(true)
        // A stopped or frozen runtime would leave SIGTERM pending until the grace period ended in SIGKILL (null).
        expect(await env.shutdown(3_000)).toBe(0)
        expect(lines.some((l) => l.includes("shutdown hook ran after"))).toBe(true)
      },
      SLOW
    )

    test(
      "shut down before the runtime's next GET /next arrives, it is not frozen by that poll during the Shutdown phase",
      async () => {
        // The race of a shutdown right after an invocation, made certain: SIGTERM goes out as the poll arrives.
        let polls = 0
        let exit: Promise<number | null | undefined> | undefined
        const { env, lines } = environment({
          ...make!(),
          server: {
            intercept: (request) => {
              if (new URL(request.url).pathname.endsWith("/invocation/next") && ++polls === 2) {
                exit = env.shutdown(3_000)
              }
              return undefined
            }
          }
        })
        seen(await env.invoke({ tickMs: TICK_MS }))
        while (!exit) await Bun.sleep(5)
        expect(await exit).toBe(0)
        expect(lines.some((l) => l.includes("shutdown hook ran after"))).toBe(true)
      },
      SLOW
    )

    test(
      "killed while frozen, the runtime dies and is reaped; the next invocation gets a new one, not frozen",
      async () => {
        const { env } = environment(make!())
        seen(await env.invoke({ tickMs: TICK_MS }))
        expect(await env.whenFrozen()).toBe(true)
        const pid = env.pid!
        // Killed from outside (the OOM killer, say): SIGKILL ends a stopped or frozen process.
        process.kill(pid, "SIGKILL")
        await env.whenExited()
        expect(existsSync(`/proc/${pid}`)).toBe(false)
        // A group left frozen would hold the new runtime frozen from its first instruction: no answer.
        const again = seen(await env.invoke({ tickMs: TICK_MS }))
        expect(again.ticksAtStart).toBe(0)
        expect(env.coldStarts).toBe(2)
        expect(await env.whenFrozen()).toBe(true)
        // And stop() (SIGKILL, as a timeout does) ends the frozen one too.
        const second = env.pid!
        await Promise.race([
          env.stop(),
          Bun.sleep(5_000).then(() => {
            throw new Error("a frozen environment did not die of SIGKILL")
          })
        ])
        expect(existsSync(`/proc/${second}`)).toBe(false)
      },
      SLOW
    )
  })
}

describe("the opt-out", () => {
  test(
    `freeze: false (and ${FREEZE_ENV}=off): an idle environment runs on, its timers fire between invocations`,
    async () => {
      const { env } = environment({ freeze: false })
      const { frozen, idleTicks, second, secondAt } = await idleBetweenTwo(env)
      expect(env.freezerDescription).toBeUndefined()
      expect(frozen).toBe(false)
      expect(idleTicks).toBeGreaterThanOrEqual(5)
      expect(second.firedAt!).toBeLessThan(secondAt)
    },
    SLOW
  )

  test(`${FREEZE_ENV} turns freezing off with off, 0, false or no; anything else (or unset) leaves it on`, () => {
    for (const off of ["off", "0", "false", "no", "OFF", " off "]) {
      expect(freezingByDefault({ [FREEZE_ENV]: off })).toBe(false)
    }
    for (const on of [undefined, "", "on", "1", "true"]) expect(freezingByDefault({ [FREEZE_ENV]: on })).toBe(true)
  })

  test("Lambda Managed Instances environments are never frozen (they run on between invocations)", () => {
    const { env } = environment({ maxConcurrency: 4, freeze: true })
    expect(env.freezes).toBe(false)
  })
})

test("environments frozen when their parent dies (SIGKILL) are thawed and end by themselves", async () => {
  const script = `
    import { ExecutionEnvironment } from ${JSON.stringify(resolve(ROOT, "local/runtime-api/environment.ts"))}
    const env = new ExecutionEnvironment({ bootstrap: ${JSON.stringify(resolve(ROOT, "runtime/bootstrap"))},
      taskRoot: ${JSON.stringify(FUNCTIONS)}, handler: "timers.background", freeze: true })
    await env.invoke({ tickMs: 100 })
    if (!(await env.whenFrozen())) throw new Error("not frozen")
    console.log(env.pid)
    await Bun.sleep(60_000)
  `
  const parent = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit" })
  const reader = (parent.stdout as ReadableStream<Uint8Array>).getReader()
  const pid = Number(new TextDecoder().decode((await reader.read()).value).trim())
  expect(pid).toBeGreaterThan(0)
  parent.kill("SIGKILL")
  await parent.exited
  // Thawed by the guard, the runtime finds its Runtime API gone and exits; its parent (init) reaps it.
  const until = performance.now() + 10_000
  while (existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"))) {
    if (performance.now() > until) {
      process.kill(pid, "SIGKILL")
      throw new Error(`the frozen runtime ${pid} outlived its parent`)
    }
    await Bun.sleep(50)
  }
}, SLOW)
