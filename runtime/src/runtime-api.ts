import { type ErrorBody, headerSafe } from "./error-body.ts"
import { FetchTransport } from "./fetch-transport.ts"
import type { HttpAnswer } from "./http-answer.ts"
import { SocketTransport } from "./socket-transport.ts"
import { ConnectionFailed, type Transport } from "./transport.ts"
import { XRAY_ERROR_CAUSE_HEADER, xrayErrorCause } from "./xray-cause.ts"

const BASE = "/2018-06-01/runtime"

/** The Runtime API is unreachable or answered 5xx: the runtime must exit (Lambda restarts the environment). */
export class RuntimeApiFatal extends Error {
  override name = "RuntimeApiFatal"
}

export interface RetryOptions {
  /** Attempts for one call when the connection itself fails (never for an HTTP answer). */
  readonly attempts: number
  readonly baseDelayMs: number
}

/** What Lambda answered to a POST: 202 accepted, or a 4xx saying why not (too large, unknown id...). */
export interface PostAnswer {
  readonly ok: boolean
  readonly status: number
  readonly body: string
}

/** The Runtime API's client: `socket` (persistent Bun sockets, the default) or `fetch` (the fallback). */
export type ClientKind = "socket" | "fetch"

/** `BUN_RUNTIME_API_CLIENT=fetch` in the function's environment picks fetch; anything else the sockets. */
export const clientKindFromEnv = (env: Record<string, string | undefined>): ClientKind =>
  env.BUN_RUNTIME_API_CLIENT === "fetch" ? "fetch" : "socket"

/**
 * The Lambda Runtime API over HTTP, one method per endpoint. A 5xx means "non-recoverable state,
 * exit promptly" (Runtime API spec): it is never retried. Only a failed connection is retried, briefly.
 */
export class RuntimeApi {
  private readonly transport: Transport

  constructor(
    host: string,
    private readonly retry: RetryOptions = { attempts: 3, baseDelayMs: 20 },
    kind: ClientKind = "socket"
  ) {
    this.transport = kind === "fetch" ? new FetchTransport(host) : new SocketTransport(host)
  }

  /** Long-polls for the next event. No client timeout: Lambda freezes the process while idle. */
  async next(): Promise<HttpAnswer> {
    const answer = await this.send("GET", "/invocation/next", {})
    if (answer.status !== 200) throw fatal("GET /invocation/next", answer)
    return answer
  }

  respond(requestId: string, body: string): Promise<PostAnswer> {
    return this.post(`/invocation/${encodeURIComponent(requestId)}/response`, body, {
      "content-type": "application/json"
    })
  }

  error(requestId: string, error: ErrorBody): Promise<PostAnswer> {
    return this.post(`/invocation/${encodeURIComponent(requestId)}/error`, JSON.stringify(error), {
      ...errorHeaders(error),
      [XRAY_ERROR_CAUSE_HEADER]: xrayErrorCause(error)
    })
  }

  initError(error: ErrorBody): Promise<PostAnswer> {
    return this.post("/init/error", JSON.stringify(error), errorHeaders(error))
  }

  /** Closes idle connections (tests). */
  close(): void {
    this.transport.close?.()
  }

  private async post(path: string, body: string, headers: Record<string, string>): Promise<PostAnswer> {
    const answer = await this.send("POST", path, headers, body)
    if (answer.status >= 500) throw fatal(`POST ${path}`, answer)
    return { ok: answer.status >= 200 && answer.status < 300, status: answer.status, body: answer.body }
  }

  private async send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string
  ): Promise<HttpAnswer> {
    let last: unknown
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      try {
        return await this.transport.send(method, BASE + path, headers, body)
      } catch (e) {
        if (!(e instanceof ConnectionFailed)) {
          throw new RuntimeApiFatal(`Runtime API ${method} ${path} failed: ${e instanceof Error ? e.message : e}`)
        }
        last = e
      }
      if (attempt < this.retry.attempts) await Bun.sleep(this.retry.baseDelayMs * 2 ** (attempt - 1))
    }
    const reason = last instanceof Error ? last.message : String(last)
    throw new RuntimeApiFatal(
      `Runtime API ${method} ${path} unreachable after ${this.retry.attempts} attempts: ${reason}`
    )
  }
}

const fatal = (call: string, answer: HttpAnswer) =>
  new RuntimeApiFatal(`Runtime API ${call} answered ${answer.status}: ${answer.body.slice(0, 1024)}`)

const errorHeaders = (error: ErrorBody) => ({
  "content-type": "application/json",
  "lambda-runtime-function-error-type": headerSafe(error.errorType)
})
