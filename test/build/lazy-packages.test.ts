import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { type LocalStack, startLocalStack } from "../../local/aws/local-stack.ts"
import { ExecutionEnvironment } from "../../local/runtime-api/environment.ts"
import { bundle } from "../../scripts/build/bundle.ts"
import { LAZY_PACKAGES } from "../../scripts/build/stand-ins.ts"
import { expectMissingReadAnswered } from "../support/missing-read.ts"

// The packages the bundle loads only when needed ship beside it (node_modules/<package>/index.js):
// they must load from there and work, as on Lambda, when the stand-ins hand over to them.
const root = resolve(import.meta.dir, "../..")
const work = mkdtempSync(join(tmpdir(), "lazy-packages-"))
const task = join(work, "task")
let names: Array<string> = []
let stack: LocalStack

beforeAll(async () => {
  const files = await bundle(join(root, "src/handler.ts"), "handler.js")
  names = files.map((f) => f.name).sort()
  for (const f of files) {
    mkdirSync(dirname(join(task, f.name)), { recursive: true })
    writeFileSync(join(task, f.name), f.data)
  }
  stack = await startLocalStack({ prefix: `lazy-${process.pid}` })
}, 60_000)

afterAll(async () => {
  await stack?.close()
  rmSync(work, { recursive: true, force: true })
})

/** The bundled function on the real bootstrap, with no keys in its environment: `credentials` says where from. */
const functionWithoutKeys = (credentials: Record<string, string>) =>
  new ExecutionEnvironment({
    bootstrap: join(root, "runtime/bootstrap"),
    taskRoot: task,
    handler: "handler.handler",
    timeoutMs: 10_000,
    env: {
      ...stack.functionEnv,
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_SESSION_TOKEN: "",
      ...credentials
    }
  })

describe("lazily loaded packages", () => {
  test("ship beside the handler bundle, one file each", () => {
    const lazy = LAZY_PACKAGES.map((p) => `node_modules/${p}/index.js`)
    expect(names).toEqual(["handler.js", "handler.js.jsc", ...lazy].sort())
  })

  test("a profile instead of keys: the function's credentials come from the real chain", async () => {
    const credentials = join(work, "credentials")
    writeFileSync(credentials, "[lazy]\naws_access_key_id = AKIDLAZY\naws_secret_access_key = lazysecret\n")
    const env = functionWithoutKeys({
      AWS_PROFILE: "lazy",
      AWS_SHARED_CREDENTIALS_FILE: credentials,
      AWS_CONFIG_FILE: join(work, "no-config")
    })
    try {
      await expectMissingReadAnswered(env, stack, "lazy-1")
    } finally {
      await env.stop()
    }
  }, 30_000)

  test("no keys, a container credentials endpoint (as SnapStart sets): the real chain asks it", async () => {
    const asked: Array<string | null> = []
    const expiration = new Date(Date.now() + 3_600_000).toISOString()
    const credentials = { AccessKeyId: "AKIDCONTAINER", SecretAccessKey: "s", Token: "t", Expiration: expiration }
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (r) => (asked.push(r.headers.get("authorization")), Response.json(credentials))
    })
    const env = functionWithoutKeys({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${server.port}/credentials`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: "container-token",
      AWS_SHARED_CREDENTIALS_FILE: join(work, "no-credentials"),
      AWS_CONFIG_FILE: join(work, "no-config")
    })
    try {
      await expectMissingReadAnswered(env, stack, "lazy-2")
      expect(asked.length).toBeGreaterThan(0)
      expect(asked.every((a) => a === "container-token")).toBe(true)
    } finally {
      await env.stop()
      await server.stop(true)
    }
  }, 30_000)

  test("the shipped Node.js transport sends a request", async () => {
    const answer = (r: Request) => new Response(`${r.method} ${new URL(r.url).pathname}`)
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: answer })
    try {
      const shipped = join(task, "node_modules/@smithy/node-http-handler/index.js")
      const { NodeHttpHandler, streamCollector } = require(shipped)
      const handler = new NodeHttpHandler()
      const at = { protocol: "http:", hostname: "127.0.0.1", port: server.port }
      const request = { ...at, method: "GET", path: "/lazy", query: {}, headers: {} }
      const { response } = await handler.handle(request)
      expect(response.statusCode).toBe(200)
      expect(new TextDecoder().decode(await streamCollector(response.body))).toBe("GET /lazy")
      handler.destroy()
    } finally {
      await server.stop(true)
    }
  }, 10_000)
})
