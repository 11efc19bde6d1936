import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb"
import type { Socket } from "bun"
import { afterAll, describe, expect, test } from "bun:test"
import { join } from "node:path"
import { classifyAwsError } from "../../src/aws/aws-error.ts"
import { BunSocketHandler } from "../../src/aws/bun-socket-handler.ts"

// A test-only CA and a certificate it signed for DNS:localhost alone (openssl, valid 100 years); the key is
// a throwaway made for these tests.
const FIXTURES = join(import.meta.dir, "../fixtures/tls")
const ca = await Bun.file(join(FIXTURES, "ca.pem")).text()
const cert = await Bun.file(join(FIXTURES, "server.pem")).text()
const key = await Bun.file(join(FIXTURES, "server.key")).text()

/**
 * How the server ends a kept-alive connection, as an AWS endpoint ends an idle one (or one left while the
 * environment was frozen): `after-answer` closes it after its first answer (the client sees the close while
 * idle); `unanswered` closes it, unanswered, on its second request (the close raced the client's write).
 */
type Drop = "none" | "after-answer" | "unanswered"

/**
 * A TLS server speaking just enough HTTP/1.1: answers each whole request as DynamoDB's ListTables does, and
 * counts connections and requests (every request seen, answered or not).
 */
const tlsServer = (drop: Drop = "none") => {
  const heads: Array<string> = []
  let connections = 0
  const pending = new Map<Socket<undefined>, string>()
  const served = new Map<Socket<undefined>, number>()
  const listener = Bun.listen<undefined>({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert, key },
    socket: {
      open: () => void connections++,
      data: (socket, chunk) => {
        const text = (pending.get(socket) ?? "") + chunk.toString("latin1")
        const end = text.indexOf("\r\n\r\n")
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? 0)
        if (end < 0 || text.length < end + 4 + length) return void pending.set(socket, text)
        pending.delete(socket)
        heads.push(text.slice(0, end))
        const n = (served.get(socket) ?? 0) + 1
        served.set(socket, n)
        if (drop === "unanswered" && n === 2) return void socket.end()
        const body = `{"TableNames":["products"]}`
        socket.write(
          `HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: ${body.length}\r\n\r\n${body}`
        )
        if (drop === "after-answer") socket.end()
      }
    }
  })
  afterAll(() => listener.stop(true))
  return { port: listener.port, heads, connections: () => connections }
}

const client = (endpoint: string, handler: BunSocketHandler) =>
  new DynamoDBClient({
    endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "x", secretAccessKey: "y" },
    maxAttempts: 1,
    requestHandler: handler
  })

const failureOf = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e)

describe("BunSocketHandler over TLS", () => {
  test("the SDK's signed requests go over one kept-alive TLS connection to a server it trusts", async () => {
    const server = tlsServer()
    const dynamo = client(
      `https://localhost:${server.port}`,
      new BunSocketHandler({ connectionsPerOrigin: 4, tls: { ca } })
    )
    for (let i = 0; i < 3; i++) {
      expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual(["products"])
    }
    expect(server.connections()).toBe(1)
    expect(server.heads).toHaveLength(3)
    expect(server.heads[0]).toMatch(/^POST \/ HTTP\/1\.1\r\n/)
    expect(server.heads[0]).toMatch(/\r\nauthorization: AWS4-HMAC-SHA256 Credential=x\//i)
    expect(server.heads[0]).toMatch(/\r\nhost: localhost:\d+/i)
    dynamo.destroy()
  })

  test("a server whose certificate is not trusted is refused before a request is sent, as fetch refuses it", async () => {
    const server = tlsServer()
    // No `ca`: the system's CAs, which never signed the test CA.
    const dynamo = client(`https://localhost:${server.port}`, new BunSocketHandler({ connectionsPerOrigin: 4 }))
    const failure = await failureOf(dynamo.send(new ListTablesCommand({})))
    const fetched = await failureOf(fetch(`https://localhost:${server.port}/`))
    expect(failure).toMatchObject({ code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" })
    expect(fetched).toMatchObject({ code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" })
    expect(server.heads).toHaveLength(0)
    // Not a network blip: batchCall does not retry it until the deadline.
    expect(classifyAwsError("ListTables", failure)._tag).toBe("AwsPermanentError")
    dynamo.destroy()
  })

  test("a certificate that does not name the host is refused, even from a trusted CA, as fetch refuses it", async () => {
    const server = tlsServer()
    // The certificate names localhost only; 127.0.0.1 is the same server under a name it does not cover.
    const url = `https://127.0.0.1:${server.port}`
    const dynamo = client(url, new BunSocketHandler({ connectionsPerOrigin: 4, tls: { ca } }))
    const failure = await failureOf(dynamo.send(new ListTablesCommand({})))
    const fetched = await failureOf(fetch(`${url}/`, { tls: { ca } }))
    expect(failure).toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" })
    expect(fetched).toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" })
    expect(server.heads).toHaveLength(0)
    expect(classifyAwsError("ListTables", failure)._tag).toBe("AwsPermanentError")
    dynamo.destroy()
  })

  test("a kept-alive TLS connection the server closed while idle is replaced without failing the request", async () => {
    const server = tlsServer("after-answer")
    const dynamo = client(
      `https://localhost:${server.port}`,
      new BunSocketHandler({ connectionsPerOrigin: 4, tls: { ca } })
    )
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual(["products"])
    await Bun.sleep(20)
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual(["products"])
    expect(server.connections()).toBe(2)
    expect(server.heads).toHaveLength(2)
    dynamo.destroy()
  })

  test("a request whose reused TLS connection the server closed unanswered goes again on a new one", async () => {
    const server = tlsServer("unanswered")
    const dynamo = client(
      `https://localhost:${server.port}`,
      new BunSocketHandler({ connectionsPerOrigin: 4, tls: { ca } })
    )
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual(["products"])
    // Written on the kept-alive connection at once: the server drops it on reading the request.
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual(["products"])
    expect(server.connections()).toBe(2)
    expect(server.heads).toHaveLength(3) // the second request seen twice: dropped, then sent again
    dynamo.destroy()
  })

  // Bun 1.4.5's fetch does not send it again: the request fails, as a transient error (the SDK's and
  // batchCall's retries take it, after a back-off). If a later Bun mends it, this says the comparison changed.
  test("fetch, for comparison, fails the same unanswered request with ECONNRESET", async () => {
    const server = tlsServer("unanswered")
    const post = () => fetch(`https://localhost:${server.port}/`, { method: "POST", body: "{}", tls: { ca } })
    expect(await (await post()).json()).toEqual({ TableNames: ["products"] })
    const failure = await failureOf(post())
    expect(failure).toMatchObject({ code: "ECONNRESET" })
    expect(classifyAwsError("ListTables", failure)._tag).toBe("AwsTransientError")
    expect(server.connections()).toBe(1)
  })

  // Lambda's way to trust a private CA (a corporate proxy's, an endpoint's): the function's environment.
  test("trusts a CA named by NODE_EXTRA_CA_CERTS, as fetch does, and only with it", async () => {
    const server = tlsServer()
    const script = `
      import { BunSocketHandler } from ${JSON.stringify(join(import.meta.dir, "../../src/aws/bun-socket-handler.ts"))}
      const port = ${server.port}
      const request = { protocol: "https:", hostname: "localhost", port, method: "POST", path: "/", query: {}, headers: {}, body: "{}" }
      const socket = await new BunSocketHandler({ connectionsPerOrigin: 1 }).handle(request)
        .then((r) => r.response.statusCode, (e) => e.code)
      const fetched = await fetch("https://localhost:" + port + "/", { method: "POST", body: "{}" })
        .then((r) => r.status, (e) => e.code)
      console.log(JSON.stringify([socket, fetched]))
    `
    const { NODE_EXTRA_CA_CERTS: _, ...inherited } = process.env
    const run = async (env: Record<string, string>) => {
      const child = Bun.spawn([process.execPath, "-e", script], { env: { ...inherited, ...env }, stderr: "inherit" })
      return JSON.parse(await new Response(child.stdout).text())
    }
    expect(await run({ NODE_EXTRA_CA_CERTS: join(FIXTURES, "ca.pem") })).toEqual([200, 200])
    expect(await run({})).toEqual(["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"])
  }, 20_000)
})
