import { afterAll } from "bun:test"

/** A request as the server saw it. */
export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string>
  readonly body: string
}

/**
 * A local HTTP server for the SDK transports' tests: records every request, answers as an AWS JSON
 * service does (`x-amz-crc32` included), and holds `/slow` for 2 s so that a test can abort it.
 * Stopped after the file's tests.
 */
export const recordingServer = () => {
  const seen: Array<Seen> = []
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      seen.push({
        method: request.method,
        url: request.url,
        headers: request.headers.toJSON(),
        body: await request.text()
      })
      if (new URL(request.url).pathname === "/slow") await Bun.sleep(2_000)
      return new Response(`{"ok":true}`, { headers: { "x-amz-crc32": "123", "content-type": "application/json" } })
    }
  })
  afterAll(() => server.stop(true))
  return { seen, server }
}
