import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { crc32 } from "node:zlib"

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
  /** TCP connections accepted so far (keep-alive reuse shows as few connections for many calls). */
  readonly connections: () => number
  readonly reset: () => void
  readonly stop: () => Promise<void>
}

/** Calls in flight through one or more proxies (share one to see several services together). */
export interface InFlight {
  now: number
  peak: number
}

export interface ProxiedCall {
  readonly operation: string
  readonly body: string
  /** Sends the call (or an altered body) on to the real endpoint. */
  readonly forward: (body?: string) => Promise<Response>
}

/** The benchmarks' default round trip per AWS call: about what an in-region DynamoDB or SQS call costs. */
export const IN_REGION_ROUND_TRIP_MS = 4

export interface ProxyOptions {
  readonly target: string
  readonly latencyMs?: number
  /** Sees every call (operation and raw body) before it is forwarded. */
  readonly onCall?: (operation: string, body: string) => void
  /** Answers a call itself; undefined lets it through unchanged. */
  readonly intercept?: (call: ProxiedCall) => Promise<Response | undefined> | Response | undefined
  /** Counts calls from their arrival to the end of their answer (or a dropped connection). */
  readonly inFlight?: InFlight
  /**
   * Each call's arrival and the moment its answer was handed to the socket (performance.now()): the time a
   * client waited on it.
   */
  readonly onTiming?: (startMs: number, endMs: number) => void
}

// Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the message: a proxy never
// forwards them. Jetty (DynamoDB Local) answers large bodies with transfer-encoding: chunked;
// passed on next to the proxy's own content-length it made the answer malformed.
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection"
]

const withoutHopByHop = (headers: Headers): Headers => {
  const out = new Headers(headers)
  for (const name of HOP_BY_HOP) out.delete(name)
  return out
}

/**
 * A service's answer with a new body, every other header kept. DynamoDB signs its bodies with
 * `x-amz-crc32`: the checksum is recomputed for the new body, as DynamoDB would have sent it.
 */
export const replaceBody = (upstream: Response, body: string): Response => {
  const headers = withoutHopByHop(upstream.headers)
  headers.delete("content-length")
  headers.delete("content-encoding")
  const bytes = Buffer.from(body, "utf8")
  if (headers.has("x-amz-crc32")) headers.set("x-amz-crc32", String(crc32(bytes)))
  return new Response(bytes, { status: upstream.status, statusText: upstream.statusText, headers })
}

/** An interceptor's answer that makes the proxy drop the connection without answering. */
export const connectionReset = () => new Response(null, { status: 599, headers: { "x-proxy-action": "reset" } })

const operationOf = (headers: Headers, body: string): string => {
  const target = headers.get("x-amz-target")
  if (target) return target.slice(target.lastIndexOf(".") + 1)
  return new URLSearchParams(body).get("Action") ?? "Unknown"
}

// node:http rather than Bun.serve: it can drop a connection (socket.destroy) the way a network does.
export const startAwsProxy = (options: ProxyOptions): AwsProxy => {
  const counts = new Map<string, number>()
  const target = new URL(options.target)

  const handle = async (req: IncomingMessage, body: string): Promise<Response> => {
    const headers = new Headers()
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v)
    const operation = operationOf(headers, body)
    counts.set(operation, (counts.get(operation) ?? 0) + 1)
    options.onCall?.(operation, body)
    if (options.latencyMs) await Bun.sleep(options.latencyMs)
    const forward = async (altered: string = body) => {
      const url = new URL(req.url ?? "/", target)
      const out = withoutHopByHop(headers)
      out.delete("host")
      out.delete("content-length")
      // Ask for the body as the service sends it uncompressed, so that it is forwarded byte for byte
      // (and x-amz-crc32 still matches it).
      out.set("accept-encoding", "identity")
      const sent = req.method === "GET" ? undefined : altered
      const upstream = await fetch(url, { method: req.method, headers: out, body: sent, decompress: false })
      const responseHeaders = withoutHopByHop(upstream.headers)
      // The proxy writes its own content-length for the body it sends.
      responseHeaders.delete("content-length")
      const { status, statusText } = upstream
      return new Response(await upstream.arrayBuffer(), { status, statusText, headers: responseHeaders })
    }
    return (await options.intercept?.({ operation, body, forward })) ?? forward()
  }

  const server = createServer((req, res) => {
    const arrived = performance.now()
    const inFlight = options.inFlight
    if (inFlight) {
      inFlight.peak = Math.max(inFlight.peak, ++inFlight.now)
      res.once("close", () => void inFlight.now--)
    }
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    // A call ends when its answer is handed to the socket (or the connection dropped): the response's
    // `close` comes later, after whatever else this process runs first (res.end inside a promise chain
    // defers it past every queued microtask), by when the client may long have read the answer. Stamped
    // before res.end, not after it returns: the write wakes the client, which on a busy machine often runs
    // on this CPU before the write returns (a client that reacts at once, as Bun's does, more often: that
    // was 0.2-0.4 ms of Bun's own time counted as its wait on AWS).
    let timed = false
    const ended = (at: number) => {
      if (timed) return
      timed = true
      options.onTiming?.(arrived, at)
    }
    // A client that leaves before its answer ends the call when it leaves.
    res.once("close", () => ended(performance.now()))
    const answer = (write: () => void) => {
      const handedOver = performance.now()
      write()
      ended(handedOver)
    }
    req.on("end", async () => {
      try {
        const response = await handle(req, Buffer.concat(chunks).toString("utf8"))
        if (response.headers.get("x-proxy-action") === "reset") return answer(() => res.socket?.destroy())
        const payload = Buffer.from(await response.arrayBuffer())
        const headers: Record<string, string> = {}
        response.headers.forEach((v, k) => (headers[k] = v))
        headers["content-length"] = String(payload.length)
        answer(() => {
          res.writeHead(response.status, headers)
          res.end(payload)
        })
      } catch (e) {
        answer(() => {
          res.writeHead(502, { "content-type": "text/plain" })
          res.end(`proxy error: ${e instanceof Error ? e.message : String(e)}`)
        })
      }
    })
  })
  let connections = 0
  server.on("connection", () => void connections++)
  server.listen(0, "127.0.0.1")
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    connections: () => connections,
    reset: () => counts.clear(),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
