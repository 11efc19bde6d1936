/**
 * A request that failed on the network: refused, reset, or closed before or during its answer. It carries
 * the code Node.js's sockets give the same failure (ECONNREFUSED, ECONNRESET), which the SDK's retry
 * strategy and the function's aws-error.ts both classify as transient. `beforeAnswer`: not a byte of the
 * answer came, so a request sent on a reused kept-alive connection can go again on a new one (the server
 * had closed it); the runtime retries such a failure, and a refused connection, as its ConnectionFailed.
 */
export class NetworkFailure extends Error {
  override readonly name = "NetworkFailure"

  constructor(readonly code: string, message: string, readonly beforeAnswer = false) {
    super(message)
  }

  /** What `Bun.connect` rejected with, under its own code when it has one. */
  static from(cause: unknown, fallbackCode: string, message: string): NetworkFailure {
    const code = (cause as { code?: unknown } | null)?.code
    const failure = new NetworkFailure(typeof code === "string" && code !== "" ? code : fallbackCode, message)
    failure.cause = cause
    return failure
  }
}
