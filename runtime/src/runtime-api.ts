import { type ErrorBody, headerSafe } from "./error-body.ts"
import { XRAY_ERROR_CAUSE_HEADER, xrayErrorCause } from "./xray-cause.ts"

const VERSION = "2018-06-01"

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

/**
 * The Lambda Runtime API over HTTP, one method per endpoint. A 5xx means "non-recoverable state,
 * exit promptly" (Runtime API spec): it is never retried. Only a failed connection is retried, briefly.
 */
export class RuntimeApi {
  private readonly base: string

  constructor(host: string, private readonly retry: RetryOptions = { attempts: 3, baseDelayMs: 20 }) {
    this.base = `http://${host}/${VERSION}/runtime`
  }

  /** Long-polls for the next event. No client timeout: Lambda freezes the process while idle. */
  async next(): Promise<Response> {
    const response = await this.send("GET", "/invocation/next", undefined, {})
    if (response.status !== 200) throw await fatal("GET /invocation/next", response)
    return response
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

  private async post(path: string, body: string, headers: Record<string, string>): Promise<PostAnswer> {
    const response = await this.send("POST", path, body, headers)
    if (response.status >= 500) throw await fatal(`POST ${path}`, response)
    return { ok: response.ok, status: response.status, body: await response.text() }
  }

  private async send(
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string>
  ): Promise<Response> {
    let last: unknown
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      try {
        return await fetch(`${this.base}${path}`, { method, body, headers, timeout: false } as RequestInit)
      } catch (e) {
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

const fatal = async (call: string, response: Response) =>
  new RuntimeApiFatal(
    `Runtime API ${call} answered ${response.status}: ${(await response.text().catch(() => "")).slice(0, 1024)}`
  )

const errorHeaders = (error: ErrorBody) => ({
  "content-type": "application/json",
  "lambda-runtime-function-error-type": headerSafe(error.errorType)
})
