import type { HttpAnswer } from "./http-answer.ts"
import { ConnectionFailed, type Transport } from "./transport.ts"

/**
 * The Runtime API through fetch: the runtime's client before the socket one, kept as a fallback
 * (`BUN_RUNTIME_API_CLIENT=fetch` in the function's environment) and to measure the two side by side.
 */
export class FetchTransport implements Transport {
  constructor(private readonly host: string) {}

  async send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpAnswer> {
    let response: Response
    try {
      response = await fetch(`http://${this.host}${path}`, { method, body, headers, timeout: false } as RequestInit)
    } catch (e) {
      throw new ConnectionFailed(e instanceof Error ? e.message : String(e))
    }
    return { status: response.status, headers: response.headers, body: await response.text() }
  }
}
