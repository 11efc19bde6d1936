import { makeContext } from "./context.ts"
import { errorBody, RuntimeError, safeString } from "./error-body.ts"
import type { LoadedHandler } from "./handler-loader.ts"
import { type Invocation, MalformedInvocation, parseInvocation } from "./invocation.ts"
import type { Logger } from "./logging.ts"
import { serializeResponse } from "./response.ts"
import type { RuntimeApi } from "./runtime-api.ts"
import type { InvocationScope } from "./scope.ts"

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown }

const isPromiseLike = (u: unknown): u is PromiseLike<unknown> => {
  try {
    return (typeof u === "object" || typeof u === "function") && u !== null &&
      typeof (u as { then?: unknown }).then === "function"
  } catch {
    return false
  }
}

/** An invocation being served; `fail` answers it with an error now (uncaught exception, shutdown...). */
export interface Served {
  readonly invocation: Invocation
  readonly fail: (error: unknown) => Promise<void>
}

export interface LoopOptions {
  /** Invocations served at once: 1 on classic Lambda, AWS_LAMBDA_MAX_CONCURRENCY on Managed Instances. */
  readonly concurrency: number
  /** Sets or clears the process-wide `_X_AMZN_TRACE_ID` (only when one invocation runs at a time). */
  readonly traceEnv: boolean
}

/**
 * The Runtime API loop: fetch an event, run the handler, post its result or its error, repeat;
 * `concurrency` such loops at once. A handler failure of any kind is logged, reported on its own
 * invocation, and the loop goes on.
 */
export class InvocationLoop {
  private readonly inflight = new Map<string, Served & { readonly answered: Promise<void> }>()
  private stopping = false
  /** Node.js 22 callback handlers answer once the event loop is empty (callbackWaitsForEmptyEventLoop). */
  private onEmptyLoop: (() => void) | undefined
  /**
   * Keeps the process alive while a handler runs: a handler whose promise never settles runs into its timeout,
   * as on Lambda, rather than letting the process exit for lack of pending work. One timer for the loop's life,
   * ref'd while any handler runs: a timer made and cleared per invocation cost more than its ref and unref.
   */
  private readonly keepAlive = setInterval(() => {}, 1 << 30).unref()
  private running = 0

  constructor(
    private readonly api: RuntimeApi,
    private readonly loaded: LoadedHandler,
    private readonly logger: Logger,
    private readonly scope: InvocationScope,
    private readonly options: LoopOptions,
    /** The Runtime API failed while answering: the runtime must exit. */
    private readonly onFatal: (error: unknown) => void
  ) {}

  /** The invocations being served now. */
  inFlight(): ReadonlyArray<Served> {
    return [...this.inflight.values()]
  }

  /** Called from process "beforeExit": nothing is left to run but an answer waiting for that. */
  emptyEventLoop(): void {
    const pending = this.onEmptyLoop
    this.onEmptyLoop = undefined
    if (pending) setImmediate(pending)
  }

  /** Takes no more invocations (the process is about to exit). */
  halt(): void {
    this.stopping = true
  }

  /** Stops taking invocations; resolves once those in flight have been answered. */
  async stop(): Promise<void> {
    this.stopping = true
    await Promise.all([...this.inflight.values()].map((s) => s.answered))
  }

  /** Resolves only when stopped; rejects when the Runtime API fails (the runtime must then exit). */
  async run(): Promise<void> {
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency) }, () => this.poll()))
  }

  private async poll(): Promise<void> {
    while (!this.stopping) {
      const answer = await this.api.next()
      if (this.stopping) return
      let invocation: Invocation
      try {
        invocation = parseInvocation(answer.headers, answer.body)
      } catch (e) {
        const malformed = e as MalformedInvocation
        this.logger.logError("Invoke Error", e)
        if (malformed.requestId) await this.api.error(malformed.requestId, errorBody(e))
        continue
      }
      await this.serve(invocation)
    }
  }

  private serve(invocation: Invocation): Promise<void> {
    if (this.options.traceEnv) {
      if (invocation.traceId) process.env._X_AMZN_TRACE_ID = invocation.traceId
      else delete process.env._X_AMZN_TRACE_ID
    }
    return this.scope.run(invocation, () => this.execute(invocation))
  }

  private execute(invocation: Invocation): Promise<void> {
    const { promise: answered, resolve } = Promise.withResolvers<void>()
    let settled = false
    let release = () => {}
    let kept = true
    if (this.running++ === 0) this.keepAlive.ref()
    const stopKeepAlive = () => {
      if (!kept) return
      kept = false
      if (--this.running === 0) this.keepAlive.unref()
    }
    const finish = async (outcome: Outcome) => {
      if (settled) return answered
      settled = true
      stopKeepAlive()
      release()
      try {
        await this.answer(invocation, outcome)
      } finally {
        this.inflight.delete(invocation.requestId)
        this.scope.end(invocation)
        resolve()
      }
    }
    const done = (error?: unknown, result?: unknown) =>
      void finish(error === undefined || error === null ? { ok: true, value: result } : { ok: false, error }).catch(
        this.onFatal
      )
    this.inflight.set(invocation.requestId, { invocation, fail: (error) => finish({ ok: false, error }), answered })
    try {
      const made = makeContext(invocation, { done })
      release = made.release
      const context = made.context
      const callback = (error?: unknown, result?: unknown) => {
        if (error !== undefined && error !== null) return done(error)
        if (!context.callbackWaitsForEmptyEventLoop || this.options.concurrency > 1) return done(null, result)
        // Node.js 22: the answer waits until the event loop is empty.
        stopKeepAlive()
        this.onEmptyLoop = () => done(null, result)
      }
      const returned = this.loaded.handler(invocation.event, context, callback)
      if (isPromiseLike(returned)) {
        Promise.resolve(returned).then(
          (value) => done(null, value),
          (error) =>
            done(
              error ??
                new RuntimeError(
                  "Runtime.RejectedWithNothing",
                  `the handler's promise rejected with ${safeString(error)}`
                )
            )
        )
      } else if (!this.loaded.callbackStyle) done(null, returned)
    } catch (error) {
      done(error ?? new RuntimeError("Runtime.ThrewNothing", `the handler threw ${safeString(error)}`))
    }
    return answered
  }

  private async answer(invocation: Invocation, outcome: Outcome): Promise<void> {
    const id = invocation.requestId
    let error: unknown
    if (outcome.ok) {
      let payload: string | undefined
      try {
        payload = serializeResponse(outcome.value)
      } catch (e) {
        error = e
      }
      if (payload !== undefined) {
        const answer = await this.api.respond(id, payload)
        if (answer.ok) return
        // Lambda refused the response (too large, wrong id...): say so in the log and on the invocation.
        error = refused(answer.status, answer.body)
      }
    } else error = outcome.error
    this.scope.run(invocation, () => this.logger.logError("Invoke Error", error))
    const answer = await this.api.error(id, errorBody(error))
    if (!answer.ok) {
      this.scope.run(
        invocation,
        () => console.error(`Runtime API refused the error report of ${id}: ${answer.status} ${answer.body}`)
      )
    }
  }
}

/** A 4xx from /response as an error: Lambda's own type and message when its body carries them. */
const refused = (status: number, body: string): Error => {
  let type = "Runtime.ResponseRejected"
  let message = `the Runtime API answered ${status} to the response: ${body.slice(0, 1024)}`
  try {
    const parsed = JSON.parse(body) as { errorType?: unknown; errorMessage?: unknown }
    if (typeof parsed.errorType === "string" && parsed.errorType) type = parsed.errorType
    if (typeof parsed.errorMessage === "string" && parsed.errorMessage) {
      message = `${parsed.errorMessage} (HTTP ${status})`
    }
  } catch {
    // not JSON: keep the raw body
  }
  return new RuntimeError(type, message)
}
