import { makeContext } from "./context.ts"
import { errorBody } from "./error-body.ts"
import type { Handler } from "./handler-loader.ts"
import { MalformedInvocation, parseInvocation, type Invocation } from "./invocation.ts"
import { serializeResponse } from "./response.ts"
import type { RuntimeApi } from "./runtime-api.ts"

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown; readonly errorType?: string }

const isPromiseLike = (u: unknown): u is PromiseLike<unknown> =>
  typeof u === "object" && u !== null && typeof (u as { then?: unknown }).then === "function"

/**
 * The Runtime API loop: fetch an event, run the handler, post its result or its error, repeat.
 * A handler failure of any kind is reported on its own invocation and the loop goes on.
 */
export class InvocationLoop {
  private current: { readonly requestId: string; readonly fail: (error: unknown, errorType: string) => void } | undefined
  private inflight: Promise<void> | undefined
  private stopping = false

  constructor(private readonly api: RuntimeApi, private readonly handler: Handler) {}

  /** The request id being served, for log lines. */
  requestId(): string | undefined {
    return this.current?.requestId
  }

  /** An unhandled rejection or uncaught exception fails the invocation in flight, if any. */
  failCurrent(error: unknown, errorType: string): boolean {
    if (!this.current) return false
    this.current.fail(error, errorType)
    return true
  }

  /** Stops after the current invocation; resolves once it has been answered. */
  async stop(): Promise<void> {
    this.stopping = true
    await this.inflight
  }

  async run(): Promise<void> {
    while (!this.stopping) {
      const response = await this.api.next()
      if (this.stopping) return
      const body = await response.text()
      let invocation: Invocation
      try {
        invocation = parseInvocation(response.headers, body)
      } catch (e) {
        const requestId = (e as { requestId?: string }).requestId
        if (requestId) await this.api.error(requestId, errorBody(e))
        else console.error(e instanceof MalformedInvocation ? e.message : e)
        continue
      }
      this.inflight = this.serve(invocation)
      await this.inflight
      this.inflight = undefined
    }
  }

  private async serve(invocation: Invocation): Promise<void> {
    if (invocation.traceId) process.env._X_AMZN_TRACE_ID = invocation.traceId
    else delete process.env._X_AMZN_TRACE_ID
    // A handler whose promise never settles must run into its timeout, as on Lambda, rather than
    // let the process exit for lack of pending work.
    const keepAlive = setInterval(() => {}, 1 << 30)
    const outcome = await this.runHandler(invocation)
    clearInterval(keepAlive)
    this.current = undefined
    if (outcome.ok) {
      let payload: string
      try {
        payload = serializeResponse(outcome.value)
      } catch (e) {
        await this.api.error(invocation.requestId, errorBody(e))
        return
      }
      await this.api.respond(invocation.requestId, payload)
    } else {
      await this.api.error(invocation.requestId, errorBody(outcome.error, outcome.errorType))
    }
  }

  private runHandler(invocation: Invocation): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      let settled = false
      const settle = (outcome: Outcome) => {
        if (settled) return
        settled = true
        resolve(outcome)
      }
      this.current = { requestId: invocation.requestId, fail: (error, errorType) => settle({ ok: false, error, errorType }) }
      const context = makeContext(invocation)
      // Callback-style handlers (three parameters) answer through the callback.
      const callback = (error?: unknown, result?: unknown) =>
        settle(error === undefined || error === null ? { ok: true, value: result } : { ok: false, error })
      try {
        const returned = this.handler(invocation.event, context, callback)
        if (isPromiseLike(returned)) returned.then((value) => settle({ ok: true, value }), (error) => settle({ ok: false, error }))
        else if (this.handler.length < 3) settle({ ok: true, value: returned })
      } catch (error) {
        settle({ ok: false, error })
      }
    })
  }
}
