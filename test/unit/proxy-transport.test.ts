import type { Socket } from "bun"
import { describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { BunFetchHandler } from "../../src/aws/bun-fetch-handler.ts"
import { BunSocketHandler } from "../../src/aws/bun-socket-handler.ts"
import { transport } from "../../src/aws/clients.ts"
import { proxyApplies } from "../../src/config.ts"

const ROOT = resolve(import.meta.dir, "../..")

describe("proxyApplies", () => {
  const PROXY = "http://proxy.internal:3128"
  const cases: ReadonlyArray<
    readonly [env: Record<string, string>, protocol: string, host: string, port: number | undefined, proxied: boolean]
  > = [
    [{}, "https:", "dynamodb.eu-west-1.amazonaws.com", undefined, false],
    [{ HTTPS_PROXY: PROXY }, "https:", "dynamodb.eu-west-1.amazonaws.com", undefined, true],
    [{ https_proxy: PROXY }, "https:", "sqs.eu-west-1.amazonaws.com", undefined, true],
    [{ HTTPS_PROXY: "" }, "https:", "sqs.eu-west-1.amazonaws.com", undefined, false],
    // Each scheme its own variable: HTTP_PROXY is not used for https, nor HTTPS_PROXY for http.
    [{ HTTP_PROXY: PROXY }, "https:", "sqs.eu-west-1.amazonaws.com", undefined, false],
    [{ HTTPS_PROXY: PROXY }, "http:", "127.0.0.1", 4566, false],
    [{ HTTP_PROXY: PROXY }, "http:", "127.0.0.1", 4566, true],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: "*" }, "https:", "sqs.eu-west-1.amazonaws.com", undefined, false],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: "amazonaws.com" }, "https:", "sqs.eu-west-1.amazonaws.com", undefined, false],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: ".amazonaws.com" }, "https:", "sqs.eu-west-1.amazonaws.com", undefined, false],
    [{ HTTPS_PROXY: PROXY, no_proxy: "*.AmazonAWS.com" }, "https:", "sqs.eu-west-1.amazonaws.com", undefined, false],
    [
      { HTTPS_PROXY: PROXY, NO_PROXY: "a.b, sqs.eu-west-1.amazonaws.com" },
      "https:",
      "sqs.eu-west-1.amazonaws.com",
      undefined,
      false
    ],
    // Label boundaries: "azonaws.com" is not a domain sqs....amazonaws.com is in.
    [{ HTTPS_PROXY: PROXY, NO_PROXY: "azonaws.com" }, "https:", "sqs.eu-west-1.amazonaws.com", undefined, true],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: "amazonaws.com:443" }, "https:", "sqs.eu-west-1.amazonaws.com", undefined, false],
    [{ HTTPS_PROXY: PROXY, NO_PROXY: "amazonaws.com:8443" }, "https:", "sqs.eu-west-1.amazonaws.com", undefined, true],
    [{ HTTP_PROXY: PROXY, NO_PROXY: "127.0.0.1:4566" }, "http:", "127.0.0.1", 4566, false],
    [{ HTTP_PROXY: PROXY, NO_PROXY: "127.0.0.1:1" }, "http:", "127.0.0.1", 4566, true],
    [{ HTTP_PROXY: PROXY, NO_PROXY: "::1" }, "http:", "[::1]", 4566, false],
    [{ HTTP_PROXY: PROXY, NO_PROXY: "[::1]:4566" }, "http:", "[::1]", 4566, false],
    // The lower-case no_proxy first, as Bun's fetch reads it.
    [
      { HTTPS_PROXY: PROXY, NO_PROXY: "amazonaws.com", no_proxy: "a.b" },
      "https:",
      "sqs.x.amazonaws.com",
      undefined,
      true
    ],
    // An IP range is not read here: the request goes to fetch, which decides.
    [{ HTTP_PROXY: PROXY, NO_PROXY: "127.0.0.0/8" }, "http:", "127.0.0.1", 4566, true]
  ]
  for (const [env, protocol, host, port, proxied] of cases) {
    const origin = `${protocol}//${host}${port ? `:${port}` : ""}`
    test(`${JSON.stringify(env)} ${origin}: ${proxied ? "proxied" : "direct"}`, () => {
      expect(proxyApplies(env, protocol, host, port)).toBe(proxied)
    })
  }
})

test("transport(): the sockets alone without proxy variables, fetch for what a proxy applies to with one", () => {
  expect(transport(8, "socket", {}).requestHandler).toBeInstanceOf(BunSocketHandler)
  expect(transport(8, "socket", {}).requestHandler!.constructor).toBe(BunSocketHandler)
  const proxied = transport(8, "socket", { HTTPS_PROXY: "http://proxy.internal:3128" }).requestHandler!
  expect(proxied).toBeInstanceOf(BunSocketHandler)
  expect(proxied.constructor).not.toBe(BunSocketHandler)
  expect(transport(8, "fetch", { HTTPS_PROXY: "http://proxy.internal:3128" }).requestHandler!.constructor).toBe(
    BunFetchHandler
  )
})

// A test-only CA and a certificate it signed for DNS:localhost (as test/unit/bun-socket-tls.test.ts uses them).
const TLS = join(ROOT, "test/fixtures/tls")

/** A DynamoDB stand-in answering every request with an empty item, over http or https. */
const dynamoStandIn = async (https: boolean) =>
  Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    ...(https
      ? {
        tls: {
          cert: await Bun.file(join(TLS, "server.pem")).text(),
          key: await Bun.file(join(TLS, "server.key")).text()
        }
      }
      : {}),
    fetch: () => new Response("{}", { headers: { "content-type": "application/x-amz-json-1.0" } })
  })

/** An http forward proxy: takes an absolute-form request and forwards it (this process has no proxy variables). */
const forwardProxy = (seen: Array<string>) =>
  Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      seen.push(new URL(request.url).port)
      const answer = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: await request.arrayBuffer()
      })
      return new Response(await answer.arrayBuffer(), { status: answer.status, headers: answer.headers })
    }
  })

/** A CONNECT proxy, as one for https is: a tunnel to the host and port asked for, then bytes both ways. */
const connectProxy = (seen: Array<string>) =>
  Bun.listen<{ head: string; upstream?: Socket<undefined> }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open: (socket) => void (socket.data = { head: "" }),
      async data(socket, chunk) {
        if (socket.data.upstream) return void socket.data.upstream.write(chunk)
        socket.data.head += chunk.toString("latin1")
        if (!socket.data.head.includes("\r\n\r\n")) return
        const [, host, port] = /^CONNECT (\S+):(\d+) HTTP\/1\.1\r\n/.exec(socket.data.head) ?? []
        if (!host) return void socket.end("HTTP/1.1 405 Method Not Allowed\r\n\r\n")
        seen.push(port!)
        socket.data.upstream = await Bun.connect({
          hostname: host === "localhost" ? "127.0.0.1" : host,
          port: Number(port),
          socket: { data: (_, back) => void socket.write(back), close: () => void socket.end() }
        })
        socket.write("HTTP/1.1 200 Connection Established\r\n\r\n")
      },
      close: (socket) => void socket.data.upstream?.end()
    }
  })

test(
  "against local proxies: Bun's fetch sends the SDK's requests through HTTP(S)_PROXY, and so does the default"
    + " transport, unless NO_PROXY excludes the endpoint",
  async () => {
    // Each case its own stand-in (the proxies log its port): scheme, the environment, the client, through a proxy.
    const cases = [
      ["http", { HTTP_PROXY: "$HTTP_PROXY" }, "fetch", true],
      ["http", { http_proxy: "$HTTP_PROXY" }, "socket", true],
      ["http", { HTTP_PROXY: "$HTTP_PROXY", NO_PROXY: "127.0.0.1" }, "fetch", false],
      ["http", { HTTP_PROXY: "$HTTP_PROXY", NO_PROXY: "localhost,127.0.0.1" }, "socket", false],
      ["http", { HTTP_PROXY: "$HTTP_PROXY", NO_PROXY: "127.0.0.2" }, "socket", true],
      ["http", { HTTPS_PROXY: "$CONNECT_PROXY" }, "socket", false],
      ["https", { HTTPS_PROXY: "$CONNECT_PROXY" }, "fetch", true],
      ["https", { HTTPS_PROXY: "$CONNECT_PROXY" }, "socket", true],
      ["https", { HTTPS_PROXY: "$CONNECT_PROXY", NO_PROXY: ".localhost" }, "socket", false],
      ["https", { HTTPS_PROXY: "$CONNECT_PROXY", NO_PROXY: "localhost:1" }, "socket", true],
      ["https", { HTTP_PROXY: "$HTTP_PROXY" }, "socket", false],
      // The reason: the sockets by themselves go to the endpoint whatever the variables say.
      ["http", { HTTP_PROXY: "$HTTP_PROXY" }, "bare-socket", false],
      ["https", { HTTPS_PROXY: "$CONNECT_PROXY" }, "bare-socket", false]
    ] as const
    const targets = await Promise.all(cases.map(([scheme]) => dynamoStandIn(scheme === "https")))
    const seen: Array<string> = []
    const forward = forwardProxy(seen)
    const connect = connectProxy(seen)
    // In a Bun process of its own (the proxy variables are process-wide), one case after the other.
    const dir = mkdtempSync(join(tmpdir(), "proxy-transport-"))
    try {
      const script = join(dir, "send.ts")
      writeFileSync(
        script,
        `import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb"
import { BunSocketHandler } from ${JSON.stringify(join(ROOT, "src/aws/bun-socket-handler.ts"))}
import { transport } from ${JSON.stringify(join(ROOT, "src/aws/clients.ts"))}
const names = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"]
for (const [i, [endpoint, env, client]] of JSON.parse(process.env.CASES).entries()) {
  for (const name of names) delete process.env[name]
  Object.assign(process.env, env)
  const dynamo = new DynamoDBClient({
    endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example" },
    maxAttempts: 1,
    ...(client === "bare-socket"
      ? { requestHandler: new BunSocketHandler({ connectionsPerOrigin: 1 }) }
      : transport(1, client))
  })
  await dynamo.send(new GetItemCommand({ TableName: "t", Key: { pk: { S: "a" } } }))
  dynamo.destroy()
  console.log("sent " + i)
}
`
      )
      const proxies: Record<string, string> = {
        $HTTP_PROXY: `http://127.0.0.1:${forward.port}`,
        $CONNECT_PROXY: `http://127.0.0.1:${connect.port}`
      }
      const child = Bun.spawn([process.execPath, script], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH!,
          NODE_EXTRA_CA_CERTS: join(TLS, "ca.pem"),
          CASES: JSON.stringify(cases.map(([scheme, env, client], i) => [
            `${scheme}://${scheme === "https" ? "localhost" : "127.0.0.1"}:${targets[i]!.port}`,
            Object.fromEntries(Object.entries(env).map(([k, v]) => [k, proxies[v] ?? v])),
            client
          ]))
        },
        stdout: "pipe",
        stderr: "pipe"
      })
      const [code, out, err] = await Promise.all([
        child.exited,
        new Response(child.stdout).text(),
        new Response(child.stderr).text()
      ])
      expect(code, err).toBe(0)
      expect(out.trim().split("\n")).toEqual(cases.map((_, i) => `sent ${i}`))
      const expected = cases.map(([scheme, env, client, viaProxy]) => ({ scheme, env, client, viaProxy }))
      const got = cases.map(([scheme, env, client], i) => ({
        scheme,
        env,
        client,
        viaProxy: seen.includes(String(targets[i]!.port))
      }))
      expect(got).toEqual(expected)
    } finally {
      await Promise.all([forward.stop(true), connect.stop(true), ...targets.map((t) => t.stop(true))])
      rmSync(dir, { recursive: true, force: true })
    }
  },
  30_000
)
