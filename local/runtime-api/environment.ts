import { randomUUID } from "node:crypto"
import { resolve } from "node:path"
import { localIdentity, localIdentityEnv } from "../aws/local-clients.ts"
import type { ResourceLimit } from "../limits/cgroups.ts"
import { type Freezer, signalFreezer } from "../limits/freezer.ts"
import { signalGroup } from "../limits/process-group.ts"
import { abnormalEnd, type ErrorPayload, errorPayloadOf, exitedDuringInit, timeoutError } from "./abnormal-end.ts"
import type { LambdaTracing } from "./active-tracing.ts"
import { freezingByDefault, freezingUnavailable } from "./freezing.ts"
import { lambdaEnvironment } from "./lambda-env.ts"
import { linesOf } from "./lines.ts"
import { billedDuration, type InvocationReport, peakMemoryMb } from "./report.ts"
import { type RuntimeApiServer, type ServerOptions, startRuntimeApiServer } from "./server.ts"

/** Lambda's memory size when none is given (and its smallest), and its default timeout. */
export const LAMBDA_DEFAULT_MEMORY_MB = 128
const LAMBDA_DEFAULT_TIMEOUT_MS = 3_000

export interface EnvironmentOptions {
  /** The `bootstrap` to start: runtime/bootstrap in a checkout, or an unpacked layer's. */
  readonly bootstrap: string
  readonly taskRoot: string
  readonly handler: string
  readonly functionName?: string
  readonly memorySizeMb?: number
  readonly timeoutMs?: number
  /** The function's own environment variables (Terraform's `environment`). */
  readonly env?: Record<string, string>
  /** Every line the runtime prints. */
  readonly onLog?: (line: string) => void
  /** Runs the runtime in a memory- and CPU-limited group, as Lambda sizes the environment. */
  readonly limit?: ResourceLimit
  readonly server?: ServerOptions
  /**
   * Lambda Managed Instances mode: up to this many invocations at once in this environment
   * (AWS_LAMBDA_MAX_CONCURRENCY). A timed-out invocation is then reported without killing the
   * environment, since the others are still running. Default 1: classic Lambda.
   */
  readonly maxConcurrency?: number
  /**
   * Active tracing: a `Lambda-Runtime-Trace-Id` for every invocation that names none itself, with
   * the sampling decision Lambda would make (see active-tracing.ts). Without it, none is sent.
   */
  readonly tracing?: LambdaTracing
  /**
   * Freezes the environment whenever it is idle, as Lambda does (freezing.ts): on by default, off with
   * LOCAL_LAMBDA_FREEZE=off. Never in Lambda Managed Instances mode, whose environments run on.
   */
  readonly freeze?: boolean
}

export interface InvokeOptions {
  readonly requestId?: string
  readonly traceId?: string
  readonly clientContext?: unknown
  readonly cognitoIdentity?: unknown
  readonly invokedFunctionArn?: string
  /** Overrides Lambda-Runtime-Deadline-Ms (default: now + the timeout), to test deadline handling alone. */
  readonly deadlineMs?: number
  /** Lambda-Runtime-Aws-Tenant-Id (tenant isolation mode). */
  readonly tenantId?: string
  /** Raw header values, to send what JSON.stringify cannot (malformed headers). */
  readonly rawClientContext?: string
  readonly rawCognitoIdentity?: string
}

export type InvokeResult =
  | { readonly status: "success"; readonly payload: string; readonly report: InvocationReport }
  | {
    readonly status: "error" | "timeout" | "crash" | "init-error"
    readonly error: ErrorPayload
    readonly errorTypeHeader: string | null
    readonly xrayErrorCause?: string | null
    readonly report: InvocationReport
  }

const jsonHeader = (name: string, value: unknown, raw: string | undefined): Record<string, string> =>
  raw !== undefined ? { [name]: raw } : value === undefined ? {} : { [name]: JSON.stringify(value) }

/**
 * One Lambda execution environment on this machine: the real bootstrap as a child process with
 * the environment Lambda gives it, one invocation at a time, the timeout enforced by killing and
 * (on the next invocation) restarting it, and a REPORT for every invocation.
 */
export class ExecutionEnvironment {
  private process: ReturnType<typeof Bun.spawn> | undefined
  private server: RuntimeApiServer
  private ready: Promise<void> | undefined
  private initDurationMs: number | undefined
  private exited: Promise<number> | undefined
  readonly memorySizeMb: number
  readonly timeoutMs: number
  private readonly functionName: string
  coldStarts = 0
  readonly maxConcurrency: number
  /** Whether idle environments are frozen (the option, the environment variable, not Managed Instances). */
  readonly freezes: boolean
  /** The running runtime's freezer, and whether it was asked to freeze since its last thaw. */
  private freezer: Freezer | undefined
  private frozen = false
  /** The running runtime leads a process group of its own (setsid), frozen and killed as one. */
  private ownGroup = false
  /** In the Shutdown phase: never frozen again, even when the runtime's next GET /next comes after SIGTERM. */
  private shuttingDown = false

  constructor(private readonly options: EnvironmentOptions) {
    this.maxConcurrency = Math.max(1, options.maxConcurrency ?? 1)
    this.freezes = (options.freeze ?? freezingByDefault()) && this.maxConcurrency === 1
    this.server = startRuntimeApiServer({
      functionName: options.functionName,
      handler: options.handler,
      ...(this.freezes ? { onIdle: () => this.freezeIdle() } : {}),
      ...options.server
    })
    this.memorySizeMb = options.memorySizeMb ?? LAMBDA_DEFAULT_MEMORY_MB
    this.timeoutMs = options.timeoutMs ?? LAMBDA_DEFAULT_TIMEOUT_MS
    this.functionName = options.functionName ?? "local-function"
  }

  get pid(): number | undefined {
    return this.process?.pid
  }

  /** How the running runtime is frozen when idle ("cgroup v2 freezer (...)", "SIGSTOP/SIGCONT ..."), if it is. */
  get freezerDescription(): string | undefined {
    return this.freezer?.description
  }

  /**
   * Resolves true once the kernel reports the idle environment frozen (false: not frozen, or not within
   * `timeoutMs`). Lambda's freeze is asked for at the runtime's GET /next and completes a moment later.
   */
  async whenFrozen(timeoutMs = 5_000): Promise<boolean> {
    const until = performance.now() + timeoutMs
    while (!(this.frozen && this.freezer?.isFrozen())) {
      if (performance.now() > until) return false
      await Bun.sleep(1)
    }
    return true
  }

  /** Init duration of the cold start not yet reported (spawn to first GET /next). */
  get pendingInitDurationMs(): number | undefined {
    return this.initDurationMs
  }

  /** Starts the runtime (a cold start) unless it is already up; resolves at its first GET /next. */
  start(): Promise<void> {
    const previous = this.process
    // A runtime that exited between invocations (uncaught exception) is replaced, with a cold start.
    if (previous && (previous.exitCode !== null || previous.signalCode !== null)) this.reset()
    if (this.ready) return this.ready
    const started = performance.now()
    const firstPoll = this.server.nextPoll()
    const command = [resolve(this.options.bootstrap)]
    // Init runs unthrottled, as measured on AWS; the memory size's CPU share applies from the
    // first GET /next, i.e. to invocations.
    this.options.limit?.setCpuPhase("init")
    const groupFreezer = this.freezes ? this.options.limit?.freezer : undefined
    // Without a cgroup v2 group of its own, the environment is frozen as a process group: its own (setsid).
    this.ownGroup = this.freezes && !groupFreezer
    const child = Bun.spawn(this.options.limit?.wrap(command) ?? command, {
      detached: this.ownGroup,
      cwd: this.options.taskRoot,
      env: lambdaEnvironment({
        runtimeApi: this.server.address,
        bootstrap: this.options.bootstrap,
        taskRoot: this.options.taskRoot,
        handler: this.options.handler,
        functionName: this.functionName,
        memorySizeMb: this.memorySizeMb,
        maxConcurrency: this.maxConcurrency,
        streamId: randomUUID().replace(/-/g, ""),
        now: new Date(),
        identity: localIdentityEnv(),
        path: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
        bunBinary: process.execPath,
        ...(this.options.env ? { env: this.options.env } : {})
      }),
      stdout: "pipe",
      stderr: "pipe"
    })
    this.process = child
    this.freezer = groupFreezer?.() ?? (this.freezes ? signalFreezer(child.pid) : undefined)
    this.coldStarts++
    void this.pipeLines(child.stdout as ReadableStream<Uint8Array>)
    void this.pipeLines(child.stderr as ReadableStream<Uint8Array>)
    this.exited = child.exited
    this.ready = Promise.race([
      firstPoll.then(() => {
        this.options.limit?.setCpuPhase("invoke")
        this.initDurationMs = performance.now() - started
      }),
      child.exited.then((code) => {
        throw new Error(`runtime exited with status ${code} during init`)
      })
    ])
    return this.ready
  }

  async invoke(event: unknown, options: InvokeOptions = {}): Promise<InvokeResult> {
    const requestId = options.requestId ?? randomUUID()
    try {
      await this.start()
    } catch {
      const init = this.server.initError()
      const report = await this.finishReport(requestId, 0, "error")
      this.reset()
      const error = init ? errorPayloadOf(init.body) : exitedDuringInit
      return { status: "init-error", error, errorTypeHeader: init?.errorTypeHeader ?? null, report }
    }
    const body = typeof event === "string" ? event : JSON.stringify(event)
    // The thaw is the start of Lambda's Invoke phase: the event is the answer to a GET /next the frozen
    // runtime made, so the environment must run again to receive it, and what fell due while it was
    // frozen (timers, a collection) runs at once, on the invocation's CPU and before or beside its
    // handler. So, as Lambda's timeout covers the whole Invoke phase, the REPORT duration (and the
    // timeout) start at the thaw, before the event is handed out, not after it.
    const thawedAt = this.thaw()
    let handedOutAt = performance.now()
    let handedOut = false
    const deadlineMs = options.deadlineMs ?? Date.now() + this.timeoutMs
    const traceId = options.traceId ?? this.options.tracing?.nextTraceHeader()
    const answer = this.server.invoke(
      {
        requestId,
        event: body,
        deadlineMs,
        headers: {
          "lambda-runtime-invoked-function-arn": options.invokedFunctionArn ??
            `arn:aws:lambda:${localIdentity().region}:123456789012:function:${this.functionName}`,
          ...(traceId ? { "lambda-runtime-trace-id": traceId } : {}),
          ...(options.tenantId ? { "lambda-runtime-aws-tenant-id": options.tenantId } : {}),
          ...jsonHeader("lambda-runtime-client-context", options.clientContext, options.rawClientContext),
          ...jsonHeader("lambda-runtime-cognito-identity", options.cognitoIdentity, options.rawCognitoIdentity)
        }
      },
      () => {
        handedOut = true
        handedOutAt = thawedAt ?? performance.now()
      }
    )
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), this.timeoutMs)))
    const crashed = this.exited!.then((code) => ({ crash: code }))
    const oomBefore = this.options.limit?.oomKills() ?? 0
    const outcome = await Promise.race([answer, timedOut, crashed])
    clearTimeout(timer)
    const duration = performance.now() - handedOutAt

    if (outcome === "timeout" && this.maxConcurrency > 1) {
      // Managed Instances: the other invocations go on; a late answer to this one gets a 4xx.
      const report = await this.finishReport(requestId, this.timeoutMs, "timeout")
      this.server.abandon(requestId)
      return { status: "timeout", error: timeoutError(requestId, this.timeoutMs), errorTypeHeader: null, report }
    }
    if (outcome !== "timeout" && "crash" in outcome && !handedOut) {
      // The runtime exited between invocations (after an uncaught exception, say): as Lambda does,
      // the invocation goes to a new environment, with its cold start.
      this.server.abandon(requestId)
      await this.kill()
      return this.invoke(event, options)
    }
    if (outcome === "timeout" || "crash" in outcome) {
      const report = await this.finishReport(
        requestId,
        outcome === "timeout" ? this.timeoutMs : duration,
        outcome === "timeout" ? "timeout" : "error"
      )
      this.server.abandon(requestId)
      await this.kill()
      const end = outcome === "timeout"
        ? outcome
        : { exitCode: outcome.crash, outOfMemory: (this.options.limit?.oomKills() ?? 0) > oomBefore }
      return { ...abnormalEnd(end, requestId, this.timeoutMs), errorTypeHeader: null, report }
    }
    const report = await this.finishReport(requestId, duration, outcome.kind === "error" ? "error" : undefined)
    return outcome.kind === "response"
      ? { status: "success", payload: outcome.body, report }
      : {
        status: "error",
        error: errorPayloadOf(outcome.body),
        errorTypeHeader: outcome.errorTypeHeader,
        xrayErrorCause: outcome.xrayErrorCause ?? null,
        report
      }
  }

  /** Resolves when the running runtime process exits (at once when none is running). */
  async whenExited(): Promise<void> {
    await this.exited
  }

  /**
   * Shuts the environment down as Lambda does: SIGTERM and a grace period (500 ms when only
   * internal extensions are registered) if an extension is registered, otherwise SIGKILL at once.
   * Resolves with the exit code, or null when the runtime was killed.
   */
  async shutdown(graceMs = 500): Promise<number | null | undefined> {
    const child = this.process
    if (!child) return undefined
    if (this.server.extensions().length === 0) {
      await this.kill()
      return null
    }
    // Lambda thaws the environment for its Shutdown phase: SIGTERM must find the runtime running.
    this.shuttingDown = true
    this.thaw()
    child.kill("SIGTERM")
    const code = await Promise.race([child.exited, Bun.sleep(graceMs).then(() => undefined)])
    if (code === undefined) await this.kill()
    this.reset()
    return code ?? null
  }

  async stop(): Promise<void> {
    await this.kill()
    await this.server.stop()
    try {
      this.options.limit?.remove()
    } catch {
      // already removed
    }
  }

  private async kill(): Promise<void> {
    const child = this.process
    if (child && child.exitCode === null && child.signalCode === null) {
      // SIGKILL ends a stopped or cgroup-frozen process too; a process group frozen as one dies as one.
      if (this.ownGroup) signalGroup(child.pid, "SIGKILL")
      else child.kill("SIGKILL")
      await child.exited
    }
    this.reset()
  }

  /** Freezes the idle runtime (the server calls this); says loudly, once, when it cannot. */
  private freezeIdle() {
    if (!this.freezer || this.frozen || this.shuttingDown) return
    try {
      this.freezer.freeze()
      this.frozen = true
    } catch (e) {
      freezingUnavailable(this.freezer.description, e)
      this.freezer = undefined
    }
  }

  /** Thaws the runtime if it was frozen; returns when (performance.now()), or undefined if it was not. */
  private thaw(): number | undefined {
    if (!this.frozen) return undefined
    const at = performance.now()
    this.frozen = false
    try {
      this.freezer?.thaw()
    } catch (e) {
      freezingUnavailable(this.freezer?.description ?? "freezer", e)
    }
    return at
  }

  private reset() {
    // A cgroup keeps its frozen state for the next runtime started in it: thaw it first.
    this.thaw()
    this.freezer = undefined
    this.shuttingDown = false
    this.process = undefined
    this.ready = undefined
    this.exited = undefined
    this.server.abandon()
  }

  private async finishReport(
    requestId: string,
    durationMs: number,
    status?: "timeout" | "error"
  ): Promise<InvocationReport> {
    const init = this.initDurationMs
    this.initDurationMs = undefined
    const limit = this.options.limit
    const measure = limit ? async () => limit.peakMemoryMb() : peakMemoryMb
    return {
      requestId,
      durationMs,
      billedDurationMs: billedDuration(durationMs, init),
      memorySizeMb: this.memorySizeMb,
      maxMemoryUsedMb: await measure(this.process?.pid),
      ...(init === undefined ? {} : { initDurationMs: init }),
      ...(status ? { status } : {})
    }
  }

  private async pipeLines(stream: ReadableStream<Uint8Array>) {
    for await (const line of linesOf(stream)) this.options.onLog?.(line)
  }
}
