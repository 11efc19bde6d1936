import type { Socket, TCPSocketListener } from "bun"
import { afterEach, describe, expect, test } from "bun:test"
import { RuntimeApi, RuntimeApiFatal } from "../../../runtime/src/runtime-api.ts"
import { SocketTransport } from "../../../runtime/src/socket-transport.ts"
import { ConnectionFailed } from "../../../runtime/src/transport.ts"

// The socket client against a scripted raw TCP server: the test writes the answer's bytes itself,
// so it controls how they are split, framed and cut.

interface Received {
  readonly head: string
  readonly body: string
  /** Which connection (0, 1, ...) the request came on. */
  readonly connection: number
}
/** Writes an answer: pieces written apart (a pause between them), or a close. */
type Script = (request: Received, socket: Socket<ConnState>) => Promise<void> | void
interface ConnState {
  id: number
  buffered: Buffer
}

let listener: TCPSocketListener<ConnState> | undefined
const clients: Array<{ close(): void }> = []
afterEach(() => {
  for (const c of clients.splice(0)) c.close()
  listener?.stop(true)
  listener = undefined
})

const serve = (script: Script) => {
  let connections = 0
  const requests: Array<Received> = []
  listener = Bun.listen<ConnState>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.data = { id: connections++, buffered: Buffer.alloc(0) }
      },
      async data(socket, chunk) {
        const state = socket.data
        state.buffered = Buffer.concat([state.buffered, chunk])
        const end = state.buffered.indexOf("\r\n\r\n")
        if (end < 0) return
        const head = state.buffered.toString("latin1", 0, end)
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0)
        if (state.buffered.length < end + 4 + length) return
        const body = state.buffered.toString("utf8", end + 4, end + 4 + length)
        state.buffered = state.buffered.subarray(end + 4 + length)
        const request = { head, body, connection: state.id }
        requests.push(request)
        await script(request, socket)
      }
    }
  })
  const host = `127.0.0.1:${listener.port}`
  return { host, requests, connections: () => connections }
}

/** Writes the pieces with a pause between them, so that they arrive in separate reads. */
const writeApart = async (socket: Socket<ConnState>, pieces: ReadonlyArray<string | Buffer>) => {
  for (const [i, piece] of pieces.entries()) {
    if (i > 0) await Bun.sleep(5)
    let rest = typeof piece === "string" ? Buffer.from(piece) : piece
    while (rest.length > 0) {
      const n = socket.write(rest)
      rest = rest.subarray(Math.max(0, n))
      if (rest.length > 0) await Bun.sleep(1) // the kernel buffer is full: let the client read
    }
  }
}

const api = (host: string) => {
  const made = new RuntimeApi(host, { attempts: 3, baseDelayMs: 1 })
  clients.push(made)
  return made
}
const transport = (host: string) => {
  const made = new SocketTransport(host)
  clients.push(made)
  return made
}

const ok = (body: string, headers = "") =>
  `HTTP/1.1 200 OK\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`

describe("SocketTransport", () => {
  test("keep-alive: /next, the answer and the next /next go over one connection; the request is HTTP/1.1", async () => {
    const server = serve((r, socket) => {
      socket.write(
        r.head.startsWith("GET")
          ? ok("{\"n\":1}", "Lambda-Runtime-Aws-Request-Id: id-1\r\n")
          : "HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n"
      )
    })
    const client = api(server.host)
    for (let i = 0; i < 3; i++) {
      const next = await client.next()
      expect(next.headers.get("lambda-runtime-aws-request-id")).toBe("id-1")
      expect(JSON.parse(next.body)).toEqual({ n: 1 })
      expect(await client.respond("id-1", "{\"ok\":\"ü\"}")).toEqual({
        ok: true,
        status: 202,
        body: "{\"status\":\"OK\"}\n"
      })
    }
    expect(server.connections()).toBe(1)
    // Every /next the same bytes (made once per transport), each a whole request of its own.
    const gets = server.requests.filter((r) => r.head.startsWith("GET"))
    expect(gets.map((r) => r.head)).toEqual(
      Array(3).fill(`GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: ${server.host}`)
    )
    expect(gets.map((r) => r.body)).toEqual(["", "", ""])
    const post = server.requests[1]!
    expect(post.head.split("\r\n")).toEqual([
      "POST /2018-06-01/runtime/invocation/id-1/response HTTP/1.1",
      `Host: ${server.host}`,
      "content-type: application/json",
      "content-length: 11"
    ])
    expect(post.body).toBe("{\"ok\":\"ü\"}")
  })

  test("answers split over many reads, headers in any case, chunked bodies", async () => {
    const server = serve(async (r, socket) => {
      if (r.head.includes("/next")) {
        await writeApart(socket, [
          "HTTP/1.1 200 OK\r\nlambda-runtime-AWS-request-id: a",
          "bc\r\nLAMBDA-RUNTIME-DEADLINE-MS: 99\r\nTransfer-Encoding: chunked\r\n\r",
          "\n4\r\n{\"x\"\r",
          "\n3\r\n:1}\r\n0\r\n\r\n"
        ])
      } else await writeApart(socket, ["HTTP/1.1 202 Acc", "epted\r\nContent-Length: 2\r\n\r\n{", "}"])
    })
    const client = api(server.host)
    const next = await client.next()
    expect(next.headers.get("lambda-runtime-aws-request-id")).toBe("abc")
    expect(next.headers.get("lambda-runtime-deadline-ms")).toBe("99")
    expect(next.body).toBe("{\"x\":1}")
    expect(await client.respond("abc", "null")).toEqual({ ok: true, status: 202, body: "{}" })
    expect(server.connections()).toBe(1)
  })

  test("6 MB both ways: a large event in, a large response out (backpressure on the write)", async () => {
    const event = JSON.stringify({ data: "é".repeat(3_000_000) })
    let posted = ""
    const server = serve(async (r, socket) => {
      if (r.head.startsWith("GET")) await writeApart(socket, [ok(event)])
      else {
        posted = r.body
        socket.write("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
      }
    })
    const client = api(server.host)
    expect((await client.next()).body).toBe(event)
    const response = JSON.stringify({ back: "ü".repeat(3_000_000) })
    expect((await client.respond("r", response)).status).toBe(202)
    expect(posted).toBe(response)
  }, 15_000)

  test("413 and other 4xx answers come back with their body; a 500 is fatal at once", async () => {
    const server = serve((r, socket) => {
      if (r.head.includes("/response")) {
        socket.write(
          "HTTP/1.1 413 Request Entity Too Large\r\nContent-Type: application/json\r\nContent-Length: 36\r\n\r\n" +
            "{\"errorType\":\"RequestEntityTooLarge\"}".slice(0, 36)
        )
      } else socket.write("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nboom")
    })
    const client = api(server.host)
    const refused = await client.respond("r", "{}")
    expect(refused).toEqual({ ok: false, status: 413, body: "{\"errorType\":\"RequestEntityTooLarge\"}".slice(0, 36) })
    await expect(client.next()).rejects.toThrow(/answered 500: boom/)
  })

  test("the server closes an idle connection: the next request opens a new one", async () => {
    const server = serve((_r, socket) => {
      socket.write("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
      setTimeout(() => socket.end(), 5)
    })
    const client = api(server.host)
    expect((await client.respond("a", "1")).status).toBe(202)
    await Bun.sleep(50)
    expect((await client.respond("b", "2")).status).toBe(202)
    expect(server.connections()).toBe(2)
  })

  test("a reused connection closed before any answer byte (a stale keep-alive) is retried at once on a new one", async () => {
    const server = serve((r, socket) => {
      if (r.connection === 0 && server.requests.length > 1) socket.end() // the idle connection "timed out"
      else socket.write("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
    })
    const client = new RuntimeApi(server.host, { attempts: 1, baseDelayMs: 1_000 }) // no retry of its own
    clients.push(client)
    expect((await client.respond("a", "1")).status).toBe(202)
    const started = performance.now()
    expect((await client.respond("b", "1")).status).toBe(202)
    expect(performance.now() - started).toBeLessThan(900)
    expect(server.requests.map((r) => r.connection)).toEqual([0, 0, 1])
  })

  test("an answer that comes before the whole body was sent: the connection is not reused", async () => {
    const server = serve(() => {})
    let answered = false
    listener!.reload({
      socket: {
        open(socket) {
          socket.data = { id: 0, buffered: Buffer.alloc(0) }
        },
        data(socket) {
          if (answered) return
          answered = true // answers at the first bytes, reads no more, keeps the connection open
          socket.write("HTTP/1.1 413 Request Entity Too Large\r\nContent-Length: 2\r\n\r\n{}")
        }
      }
    })
    const client = transport(server.host)
    const large = "x".repeat(32 * 1024 * 1024) // far more than the socket buffers hold
    expect((await client.send("POST", "/r", {}, large)).status).toBe(413)
    expect((client as unknown as { idle: Array<unknown> }).idle.length).toBe(0)
  }, 15_000)

  test("Connection: close, or a body that runs to the end of the connection: read whole, then a new connection", async () => {
    let n = 0
    const server = serve((_r, socket) => {
      if (n++ === 0) {
        socket.end(
          "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{\"errorType\":\"InvalidRequestID\"}"
        )
      } else socket.write("HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}")
    })
    const client = api(server.host)
    expect(await client.respond("a", "1")).toEqual({
      ok: false,
      status: 400,
      body: "{\"errorType\":\"InvalidRequestID\"}"
    })
    expect(await client.respond("b", "1")).toEqual({ ok: true, status: 202, body: "{}" })
    expect((await client.respond("c", "1")).status).toBe(202)
    expect(server.connections()).toBe(3)
  })

  test("closed in the middle of an answer: fatal, not retried (the invocation may have been handed out)", async () => {
    const server = serve((_r, socket) => {
      socket.end("HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r\r\nContent-Length: 100\r\n\r\n{\"cut")
    })
    await expect(api(server.host).next()).rejects.toThrow(/closed in the middle of an answer/)
    expect(server.requests.length).toBe(1)
  })

  test("closed before any byte of the answer: retried, then fatal; a refused connection likewise", async () => {
    const server = serve((_r, socket) => void socket.end())
    const failing = api(server.host).next()
    await expect(failing).rejects.toBeInstanceOf(RuntimeApiFatal)
    await expect(failing).rejects.toThrow(/unreachable after 3 attempts/)
    expect(server.requests.length).toBe(3)
    const port = listener!.port
    listener!.stop(true)
    listener = undefined
    await expect(transport(`127.0.0.1:${port}`).send("GET", "/x", {})).rejects.toBeInstanceOf(ConnectionFailed)
  })

  test("concurrent requests (Managed Instances) each get a connection; all reused afterwards", async () => {
    const waiting: Array<() => void> = []
    const server = serve(async (r, socket) => {
      // Answer the polls only once all four are open, as Lambda does when events arrive.
      await new Promise<void>((resolve) => {
        waiting.push(resolve)
        if (waiting.length === 4) waiting.splice(0).forEach((w) => w())
      })
      socket.write(ok(JSON.stringify({ on: r.connection })))
    })
    const client = api(server.host)
    const first = await Promise.all([0, 1, 2, 3].map(() => client.next()))
    expect(new Set(first.map((a) => JSON.parse(a.body).on)).size).toBe(4)
    const again = await Promise.all([0, 1, 2, 3].map(() => client.next()))
    expect(new Set(again.map((a) => JSON.parse(a.body).on))).toEqual(new Set([0, 1, 2, 3]))
    expect(server.connections()).toBe(4)
  })

  test("a header value with control characters is refused before anything is sent (as fetch refuses it)", async () => {
    const server = serve((_r, socket) => void socket.write("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"))
    const sending = transport(server.host).send("POST", "/x", { "x-bad": "a\r\nInjected: 1" }, "{}")
    await expect(sending).rejects.toBeInstanceOf(TypeError)
    expect(server.requests.length).toBe(0)
  })

  test("a header name that is not a token is refused before anything is sent (the shared client checks names too)", async () => {
    const server = serve((_r, socket) => void socket.write("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"))
    const sending = transport(server.host).send("POST", "/x", { "x-bad\r\nInjected": "1" }, "{}")
    await expect(sending).rejects.toBeInstanceOf(TypeError)
    expect(server.requests.length).toBe(0)
  })

  test("bytes nobody asked for: the connection is dropped and the next request opens a new one", async () => {
    const server = serve((_r, socket) => {
      socket.write("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
      setTimeout(() => socket.write("HTTP/1.1 202 Accepted\r\n\r\n"), 5)
    })
    const client = api(server.host)
    expect((await client.respond("a", "1")).status).toBe(202)
    await Bun.sleep(50)
    expect((await client.respond("b", "1")).status).toBe(202)
    expect(server.connections()).toBe(2)
  })
})
