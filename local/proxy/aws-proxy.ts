/**
 * An HTTP proxy in front of a DynamoDB or SQS endpoint: adds a round-trip latency per call (what an
 * in-region AWS call costs, which in-process emulators do not), counts calls by operation, and lets
 * an interceptor answer, alter or break any call (fault injection, see faults.ts).
 */
export interface AwsProxy {
  readonly url: string
  /** Calls seen, by operation name (the X-Amz-Target action or the Query Action). */
  readonly counts: Map<string, number>
  readonly total: () => number
  readonly reset: () => void
  readonly stop: () => Promise<void>
}

export interface ProxiedCall {
  readonly operation: string
  readonly body: string
  /** Sends the call (or an altered body) on to the real endpoint. */
  readonly forward: (body?: string) => Promise<Response>
}

export interface ProxyOptions {
  readonly target: string
  readonly latencyMs?: number
  /** Sees every call (operation and raw body) before it is forwarded. */
  readonly onCall?: (operation: string, body: string) => void
  /** Answers a call itself; undefined lets it through unchanged. */
  readonly intercept?: (call: ProxiedCall) => Promise<Response | undefined> | Response | undefined
}

export const operationOf = (request: Request, body: string): string => {
  const target = request.headers.get("x-amz-target")
  if (target) return target.slice(target.lastIndexOf(".") + 1)
  return new URLSearchParams(body).get("Action") ?? "Unknown"
}

export const startAwsProxy = (options: ProxyOptions): AwsProxy => {
  const counts = new Map<string, number>()
  const target = new URL(options.target)
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 60,
    // A deliberately broken response (connection reset) is not an error of the proxy.
    error: () => new Response(null, { status: 500 }),
    async fetch(request) {
      const body = await request.text()
      const operation = operationOf(request, body)
      counts.set(operation, (counts.get(operation) ?? 0) + 1)
      options.onCall?.(operation, body)
      if (options.latencyMs) await Bun.sleep(options.latencyMs)
      const forward = async (altered: string = body) => {
        const url = new URL(request.url)
        url.protocol = target.protocol
        url.host = target.host
        const headers = new Headers(request.headers)
        headers.delete("host")
        headers.delete("content-length")
        const upstream = await fetch(url, { method: request.method, headers, body: request.method === "GET" ? undefined : altered })
        const responseHeaders = new Headers(upstream.headers)
        // fetch already decoded the body: the length and encoding headers no longer apply.
        responseHeaders.delete("content-encoding")
        responseHeaders.delete("content-length")
        return new Response(await upstream.arrayBuffer(), { status: upstream.status, headers: responseHeaders })
      }
      return (await options.intercept?.({ operation, body, forward })) ?? forward()
    }
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    reset: () => counts.clear(),
    stop: async () => {
      await server.stop(true)
    }
  }
}
