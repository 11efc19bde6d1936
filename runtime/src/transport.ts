import type { HttpAnswer } from "./http-answer.ts"

/** How the Runtime API client sends one request and reads its whole answer. */
export interface Transport {
  send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpAnswer>
  /** Closes what the transport keeps open between requests, if anything. */
  close?(): void
}

/** No answer came: the connection could not be made, or closed before a byte of the answer. Retried briefly. */
export class ConnectionFailed extends Error {
  override name = "ConnectionFailed"
}
