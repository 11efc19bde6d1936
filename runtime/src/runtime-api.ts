import type { ErrorBody } from "./error-body.ts"

const VERSION = "2018-06-01"

export class RuntimeApiUnavailable extends Error {
  override name = "RuntimeApiUnavailable"
}

export interface RetryOptions {
  /** Attempts for one call before giving up (Lambda restarts an environment whose runtime exits). */
  readonly attempts: number
  readonly baseDelayMs: number
}

/** The Lambda Runtime API over HTTP: one method per endpoint, each retried briefly on outages and 5xx. */
export class RuntimeApi {
  private readonly base: string

  constructor(host: string, private readonly retry: RetryOptions = { attempts: 5, baseDelayMs: 50 }) {
    this.base = `http://${host}/${VERSION}/runtime`
  }

  /** Long-polls for the next event. No client timeout: Lambda freezes the process while idle. */
  next(): Promise<Response> {
    return this.call("GET", "/invocation/next", undefined, {}, (r) => r.ok)
  }

  respond(requestId: string, body: string): Promise<Response> {
    return this.call("POST", `/invocation/${encodeURIComponent(requestId)}/response`, body, { "content-type": "application/json" })
  }

  error(requestId: string, error: ErrorBody): Promise<Response> {
    return this.call("POST", `/invocation/${encodeURIComponent(requestId)}/error`, JSON.stringify(error), errorHeaders(error))
  }

  initError(error: ErrorBody): Promise<Response> {
    return this.call("POST", "/init/error", JSON.stringify(error), errorHeaders(error))
  }

  private async call(method: string, path: string, body: string | undefined, headers: Record<string, string>, accept: (r: Response) => boolean = (r) => r.status < 500): Promise<Response> {
    let last: unknown
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      try {
        const response = await fetch(`${this.base}${path}`, { method, body, headers, timeout: false } as RequestInit)
        if (accept(response)) return response
        last = new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`)
      } catch (e) {
        last = e
      }
      if (attempt < this.retry.attempts) await Bun.sleep(this.retry.baseDelayMs * 2 ** (attempt - 1))
    }
    throw new RuntimeApiUnavailable(`Runtime API ${method} ${path} failed ${this.retry.attempts} times: ${last instanceof Error ? last.message : String(last)}`)
  }
}

const errorHeaders = (error: ErrorBody) => ({
  "content-type": "application/json",
  "lambda-runtime-function-error-type": error.errorType
})
