import { expect, test } from "bun:test"
import { EnvironmentPool } from "../../local/event-source/environment-pool.ts"
import type { CgroupSupport, ResourceLimit } from "../../local/limits/cgroups.ts"

// Two sessions in one process (the observability benchmark keeps one per variant) each have a pool;
// their environments' cgroups used to be named by a per-pool counter, so the second pool's first
// environment hit EEXIST and its batch was never run.
test("pools in one process name their environments' cgroups apart", async () => {
  const names: Array<string> = []
  const limit: ResourceLimit = {
    description: "fake",
    wrap: (c) => c,
    peakMemoryMb: () => 0,
    oomKills: () => 0,
    setCpuPhase: () => {},
    applied: () => ({ memoryBytes: 0, cpus: Infinity }),
    remove: () => {}
  }
  const cgroups: CgroupSupport = {
    available: true,
    reason: "fake",
    create: (name) => {
      if (names.includes(name)) throw new Error(`EEXIST: ${name}`)
      names.push(name)
      return limit
    }
  }
  const options = { bootstrap: "/bin/false", taskRoot: "/tmp", handler: "h.handler" }
  const pools = [new EnvironmentPool(options, 2, cgroups), new EnvironmentPool(options, 2, cgroups)]
  try {
    for (const pool of pools) pool.create()
    for (const pool of pools) pool.create()
    expect(new Set(names).size).toBe(4)
  } finally {
    await Promise.all(pools.map((p) => p.stop()))
  }
})
