import { afterEach, describe, expect, test } from "bun:test"
import { type ClientKind, clientKindFromEnv, RuntimeApi, RuntimeApiFatal } from "../../../runtime/src/runtime-api.ts"

// The transport against a scripted Runtime API, in process (as the Rust runtime tests its client).
// Both clients, the socket one (default) and the fetch fallback, against Bun's own HTTP server.
let server: ReturnType<typeof Bun.serve> | undefined
let client: RuntimeApi | undefined
afterEach(async () => {
  client?.close()
  await server?.stop(true)
  server = undefined
})

test("BUN_RUNTIME_API_CLIENT=fetch picks fetch; anything else the sockets", () => {
  expect(clientKindFromEnv({ BUN_RUNTIME_API_CLIENT: "fetch" })).toBe("fetch")
  expect(clientKindFromEnv({})).toBe("socket")
  expect(clientKindFromEnv({ BUN_RUNTIME_API_CLIENT: "other" })).toBe("socket")
})

describe.each(["socket", "fetch"] as const)("RuntimeApi over %s", (kind: ClientKind) => {
  const serve = (fetch: (r: Request) => Response | Promise<Response>) => {
    server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch })
    client = new RuntimeApi(`127.0.0.1:${server.port}`, { attempts: 3, baseDelayMs: 1 }, kind)
    return client
  }

  test("next: GET /2018-06-01/runtime/invocation/next", async () => {
    const seen: Array<string> = []
    const api = serve((r) => {
      seen.push(`${r.method} ${new URL(r.url).pathname}`)
      return new Response("{}", { headers: { "lambda-runtime-aws-request-id": "r" } })
    })
    expect((await api.next()).headers.get("lambda-runtime-aws-request-id")).toBe("r")
    expect(seen).toEqual(["GET /2018-06-01/runtime/invocation/next"])
  })

  test("a 500 is fatal at once: one request, no retry", async () => {
    let calls = 0
    const api = serve(() => {
      calls++
      return new Response("boom", { status: 500 })
    })
    expect(api.next()).rejects.toBeInstanceOf(RuntimeApiFatal)
    await Bun.sleep(20)
    expect(calls).toBe(1)
    await expect(api.respond("r", "{}")).rejects.toThrow(/answered 500/)
    expect(calls).toBe(2)
  })

  test("a 4xx to a POST is returned to the caller, not thrown", async () => {
    const api = serve(() => Response.json({ errorType: "RequestEntityTooLarge" }, { status: 413 }))
    expect(await api.respond("r", "{}")).toEqual({
      ok: false,
      status: 413,
      body: "{\"errorType\":\"RequestEntityTooLarge\"}"
    })
  })

  test("error: request id encoded in the path, header-safe error type, X-Ray cause header, JSON body", async () => {
    let captured: { path: string; type: string | null; cause: string | null; body: string } | undefined
    const api = serve(async (r) => {
      captured = {
        path: new URL(r.url).pathname,
        type: r.headers.get("lambda-runtime-function-error-type"),
        cause: r.headers.get("lambda-runtime-function-xray-error-cause"),
        body: await r.text()
      }
      return new Response(null, { status: 202 })
    })
    expect((await api.error("a/b", { errorType: "Bad\nName", errorMessage: "m", stackTrace: [] })).ok).toBe(true)
    expect(captured!.path).toBe("/2018-06-01/runtime/invocation/a%2Fb/error")
    expect(captured!.type).toBe("Bad%0AName")
    expect(JSON.parse(captured!.cause!).exceptions[0].type).toBe("Bad\nName")
    expect(JSON.parse(captured!.body)).toEqual({ errorType: "Bad\nName", errorMessage: "m", stackTrace: [] })
  })

  test("a refused connection is retried briefly, then fatal", async () => {
    const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") })
    const port = probe.port
    await probe.stop(true)
    const api = new RuntimeApi(`127.0.0.1:${port}`, { attempts: 3, baseDelayMs: 1 }, kind)
    await expect(api.next()).rejects.toThrow(/unreachable after 3 attempts/)
  })
})
