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

test(
  "against a local forward proxy: Bun's fetch sends the SDK's requests through HTTP_PROXY, and so does the default"
    + " transport, unless NO_PROXY excludes the endpoint",
  async () => {
    const cases = [
      [{ HTTP_PROXY: "$PROXY" }, "fetch", true],
      [{ http_proxy: "$PROXY" }, "socket", true],
      [{ HTTP_PROXY: "$PROXY", NO_PROXY: "127.0.0.1" }, "fetch", false],
      [{ HTTP_PROXY: "$PROXY", NO_PROXY: "localhost,127.0.0.1" }, "socket", false],
      [{ HTTP_PROXY: "$PROXY", NO_PROXY: "127.0.0.2" }, "socket", true],
      [{ HTTPS_PROXY: "$PROXY" }, "socket", false],
      // The reason: the sockets by themselves go to the endpoint whatever the variables say.
      [{ HTTP_PROXY: "$PROXY" }, "bare-socket", false]
    ] as const
    const target = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => new Response("{}", { headers: { "content-type": "application/x-amz-json-1.0" } })
    })
    const proxied: Array<string> = []
    const proxy = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      // An absolute-form request, forwarded as it came (this process has no proxy variables).
      async fetch(request) {
        proxied.push(new URL(request.url).pathname)
        const answer = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: await request.arrayBuffer()
        })
        return new Response(await answer.arrayBuffer(), { status: answer.status, headers: answer.headers })
      }
    })
    // In a Bun process of its own (the proxy variables are process-wide), one case after the other, each
    // to an endpoint of its own path, so that the proxy's log tells them apart.
    const dir = mkdtempSync(join(tmpdir(), "proxy-transport-"))
    try {
      const script = join(dir, "send.ts")
      writeFileSync(
        script,
        `import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb"
import { BunSocketHandler } from ${JSON.stringify(join(ROOT, "src/aws/bun-socket-handler.ts"))}
import { transport } from ${JSON.stringify(join(ROOT, "src/aws/clients.ts"))}
const names = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"]
for (const [i, [env, client]] of JSON.parse(process.env.CASES).entries()) {
  for (const name of names) delete process.env[name]
  Object.assign(process.env, env)
  const dynamo = new DynamoDBClient({
    endpoint: process.env.TARGET + "/case-" + i,
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
      const proxyUrl = `http://127.0.0.1:${proxy.port}`
      const child = Bun.spawn([process.execPath, script], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH!,
          CASES: JSON.stringify(cases.map(([env, client]) => [
            Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace("$PROXY", proxyUrl)])),
            client
          ])),
          TARGET: `http://127.0.0.1:${target.port}`
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
      const through = cases.map(([env, client, viaProxy], i) => ({ env, client, viaProxy, i }))
      expect(
        through.map(({ env, client, i }) => ({
          env,
          client,
          viaProxy: proxied.some((path) => path.startsWith(`/case-${i}/`) || path === `/case-${i}`)
        }))
      )
        .toEqual(through.map(({ env, client, viaProxy }) => ({ env, client, viaProxy })))
    } finally {
      await Promise.all([proxy.stop(true), target.stop(true)])
      rmSync(dir, { recursive: true, force: true })
    }
  },
  30_000
)
