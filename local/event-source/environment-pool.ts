import { ExecutionEnvironment, type EnvironmentOptions } from "../runtime-api/environment.ts"
import type { CgroupSupport } from "../limits/cgroups.ts"

// Process-wide: several pools in one process (one per session) must never name the same cgroup.
let groupsCreated = 0

/**
 * Execution environments scaled out on demand up to a maximum, as Lambda does: a busy pool starts
 * a new environment (a cold start) while below the maximum; otherwise callers wait for one. With
 * `options.maxConcurrency` > 1 (Lambda Managed Instances) each environment serves that many
 * invocations at once: the pool hands out slots, several of them in one environment.
 */
export class EnvironmentPool {
  /** Free invocation slots: an environment appears once per invocation it can still take. */
  private readonly idle: Array<ExecutionEnvironment> = []
  // Environments the pool hands out (the ones create() makes for callers are only stopped with it).
  private readonly pooled: Array<ExecutionEnvironment> = []
  private readonly waiters: Array<(env: ExecutionEnvironment) => void> = []
  private readonly environments: Array<ExecutionEnvironment> = []

  constructor(
    readonly options: EnvironmentOptions,
    readonly maxConcurrency: number,
    private readonly cgroups?: CgroupSupport
  ) {}

  get size(): number {
    return this.pooled.length
  }

  /** True while another invocation could start without waiting. */
  get hasCapacity(): boolean {
    return this.idle.length > 0 || this.pooled.length < this.maxConcurrency
  }

  /** A new environment with the pool's settings and its own resource limit; stopped with the pool. */
  create(): ExecutionEnvironment {
    const limit = this.cgroups?.available ? this.cgroups.create!(`bun-lambda-${process.pid}-${++groupsCreated}`, this.options.memorySizeMb ?? 128) : undefined
    const env = new ExecutionEnvironment({ ...this.options, ...(limit ? { limit } : {}) })
    this.environments.push(env)
    return env
  }

  async acquire(): Promise<ExecutionEnvironment> {
    const env = this.idle.pop()
    if (env) return env
    if (this.pooled.length < this.maxConcurrency) {
      const created = this.create()
      this.pooled.push(created)
      for (let slot = 1; slot < created.maxConcurrency; slot++) this.idle.push(created)
      return created
    }
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  release(env: ExecutionEnvironment) {
    const waiter = this.waiters.shift()
    if (waiter) waiter(env)
    else this.idle.push(env)
  }

  async stop() {
    await Promise.all(this.environments.map((e) => e.stop()))
    this.environments.length = 0
    this.pooled.length = 0
    this.idle.length = 0
  }
}
