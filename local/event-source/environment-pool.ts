import type { CgroupSupport } from "../limits/cgroups.ts"
import { type EnvironmentOptions, ExecutionEnvironment, LAMBDA_DEFAULT_MEMORY_MB } from "../runtime-api/environment.ts"

// Process-wide: several pools in one process (one per session) must never name the same cgroup.
let groupsCreated = 0

/** Per-environment settings (benchmarks): own environment variables, and the CPUs its runtime may run on. */
export interface EnvironmentSettings {
  readonly env?: (id: number) => Record<string, string>
  /** A taskset CPU list (e.g. "0"); applied only where the environment runs in a resource group. */
  readonly cpus?: string
}

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

  private readonly ids = new Map<ExecutionEnvironment, number>()
  private nextId = 0

  constructor(
    readonly options: EnvironmentOptions,
    readonly maxConcurrency: number,
    private readonly cgroups?: CgroupSupport,
    private readonly each: EnvironmentSettings = {}
  ) {}

  /** The environment's number in this pool (1, 2, ...), as given to EnvironmentSettings.env. */
  idOf(env: ExecutionEnvironment): number | undefined {
    return this.ids.get(env)
  }

  get size(): number {
    return this.pooled.length
  }

  /** True while another invocation could start without waiting. */
  get hasCapacity(): boolean {
    return this.idle.length > 0 || this.pooled.length < this.maxConcurrency
  }

  /** A new environment with the pool's settings and its own resource limit; stopped with the pool. */
  create(): ExecutionEnvironment {
    const id = ++this.nextId
    const limit = this.cgroups?.available
      ? this.cgroups.create!(
        `bun-lambda-${process.pid}-${++groupsCreated}`,
        this.options.memorySizeMb ?? LAMBDA_DEFAULT_MEMORY_MB
      )
      : undefined
    const cpus = this.each.cpus
    // taskset inside the group's wrapper: the runtime is confined from its first instruction.
    const pinned = limit && cpus
      ? { ...limit, wrap: (c: Array<string>) => limit.wrap(["taskset", "-c", cpus, ...c]) }
      : limit
    const own = this.each.env?.(id)
    const env = new ExecutionEnvironment({
      ...this.options,
      ...(own ? { env: { ...this.options.env, ...own } } : {}),
      ...(pinned ? { limit: pinned } : {})
    })
    this.ids.set(env, id)
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
