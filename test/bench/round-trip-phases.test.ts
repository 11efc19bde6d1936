import { describe, expect, test } from "bun:test"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { type Mark, phasesOf, phasesTable, probeHandlerSource } from "../../bench/round-trip-phases.ts"

// A read: two requests, one after the other. Wall ms from 100; JS-thread CPU ms from 50.
const read: Array<Mark> = [
  ["enter", 101, 50],
  ["send:0", 103, 51.5],
  ["head:0", 110, 52],
  ["body:0", 110.5, 52.25],
  ["send:1", 112, 53],
  ["head:1", 118, 53.5],
  ["body:1", 118.25, 53.75],
  ["exit", 119, 54]
]

describe("phasesOf", () => {
  test("splits a read's duration into the Runtime API, JavaScript, hops, AWS and body reads, adding up to own time", () => {
    // Proxy calls given out of order: each request takes the one that arrived while it was in flight.
    const p = phasesOf(read, [[112.5, 117], [103.5, 109]], 100, 120)!
    expect(p.requests).toBe(2)
    expect(p.duration).toBe(20)
    expect(p.aws).toBe(5.5 + 4.5)
    expect(p.own).toBe(10)
    expect(p.runtimeApi).toBe(1 + 1)
    expect(p.js).toBe(2 + 1.5 + 0.75)
    expect(p.jsCpu).toBe(1.5 + 0.75 + 0.25)
    expect(p.sendHop).toBe(0.5 + 0.5)
    expect(p.answerHop).toBe(1 + 1)
    expect(p.requestCpu).toBe(0.5 + 0.5)
    expect(p.bodyRead).toBe(0.5 + 0.25)
    expect(p.bodyCpu).toBe(0.25 + 0.25)
    expect(p.runtimeApi + p.js + p.sendHop + p.answerHop + p.bodyRead).toBeCloseTo(p.own, 9)
    expect(p.lateAnswers).toBe(0)
  })

  test("an answer the proxy timed as ending after the function saw it ends when the function saw it", () => {
    const p = phasesOf(read, [[103.5, 111], [112.5, 117]], 100, 120)!
    expect(p.lateAnswers).toBe(1)
    expect(p.aws).toBe(6.5 + 4.5)
    expect(p.answerHop).toBe(0 + 1)
    expect(p.runtimeApi + p.js + p.sendHop + p.answerHop + p.bodyRead).toBeCloseTo(p.own, 9)
  })

  test("an invocation without AWS requests is all Runtime API and JavaScript", () => {
    const p = phasesOf([["enter", 1, 0], ["exit", 3, 2]], [], 0, 4)!
    expect(p).toMatchObject({ requests: 0, aws: 0, own: 4, runtimeApi: 2, js: 2, jsCpu: 2 })
  })

  test("no decomposition without a proxy call for a request, a missing mark, or overlapping requests", () => {
    expect(phasesOf(read, [[103.5, 109]], 100, 120)).toBeUndefined()
    expect(phasesOf(read.filter(([l]) => l !== "body:1"), [[103.5, 109], [112.5, 117]], 100, 120)).toBeUndefined()
    expect(phasesOf(read.filter(([l]) => l !== "exit"), [[103.5, 109], [112.5, 117]], 100, 120)).toBeUndefined()
    const overlapping: Array<Mark> = [
      ["enter", 101, 0],
      ["send:0", 102, 0],
      ["send:1", 103, 0],
      ["head:0", 108, 0],
      ["body:0", 108, 0],
      ["head:1", 109, 0],
      ["body:1", 109, 0],
      ["exit", 110, 0]
    ]
    expect(phasesOf(overlapping, [[102.5, 107], [103.5, 108]], 100, 111)).toBeUndefined()
  })
})

test("phasesTable averages per variant, the hops per request", () => {
  const p = phasesOf(read, [[103.5, 109], [112.5, 117]], 100, 120)!
  const out = phasesTable([["bun", [p, p]]])
  expect(out).toContain("| bun ")
  expect(out).toContain("| 2 ") // n
  expect(out).toContain("| 0.500 ") // send hop per request
  expect(out).toContain("| 1.000 ") // answer hop per request
})

test("the probe handler's source imports the handler it wraps and is a module both runtimes parse", async () => {
  const source = probeHandlerSource("handler.mjs")
  expect(source).toContain(`import("./handler.mjs")`)
  const transpiled = new Bun.Transpiler({ loader: "js" }).transformSync(source)
  expect(transpiled).toContain("__lambdaInit")
})

// The probe in a Bun process of its own (it patches fetch and Bun.connect), around a handler that sends two
// requests one after the other through the function's own transports to a server here, which times each
// request's arrival and its answer's end, and writes each answer in two chunks a few ms apart.
describe("the probe handler on Bun", () => {
  const probed = async (client: "socket" | "fetch") => {
    const calls: Array<[number, number]> = []
    const now = () => performance.timeOrigin + performance.now()
    const server = Bun.listen<{ arrived?: number }>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open: (socket) => void (socket.data = {}),
        data(socket, chunk) {
          // Requests are small: each arrives in one chunk, its body in the next only if written apart.
          if (!String(chunk).startsWith("POST")) return
          const arrived = now()
          const body = "x".repeat(100_000)
          socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`)
          setTimeout(() => {
            // Timed as the rest goes out: the function, in another process, may read it before write returns.
            calls.push([arrived, now()])
            socket.write(body.slice(10))
          }, 5)
        }
      }
    })
    // Not an AWS endpoint (as the Runtime API is not): its traffic is not marked.
    const other = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: { data: (socket) => void socket.write("pong") }
    })
    const dir = mkdtempSync(join(tmpdir(), "probe-test-"))
    try {
      const root = resolve(import.meta.dir, "../..")
      writeFileSync(join(dir, "probe.mjs"), probeHandlerSource("handler.mjs"))
      writeFileSync(
        join(dir, "handler.mjs"),
        `import { BunFetchHandler } from ${JSON.stringify(join(root, "src/aws/bun-fetch-handler.ts"))}
import { BunSocketHandler } from ${JSON.stringify(join(root, "src/aws/bun-socket-handler.ts"))}
const transport = process.env.CLIENT === "fetch"
  ? new BunFetchHandler({ keepAlive: true })
  : new BunSocketHandler({ connectionsPerOrigin: 1 })
const { hostname, port } = new URL(process.env.AWS_ENDPOINT_URL_DYNAMODB)
export const handler = async () => {
  const { promise, resolve } = Promise.withResolvers()
  const socket = await Bun.connect({ hostname: "127.0.0.1", port: Number(process.env.OTHER_PORT), socket: { data: resolve } })
  socket.write("ping")
  await promise
  socket.end()
  for (let i = 0; i < 2; i++) {
    const body = JSON.stringify({ i })
    const headers = { host: hostname + ":" + port, "content-type": "application/json", "content-length": String(body.length) }
    const { response } = await transport.handle({ protocol: "http:", hostname, port: Number(port), path: "/", method: "POST", headers, body })
    if (response.body.byteLength !== 100000) throw new Error("short answer " + response.body.byteLength)
  }
}
`
      )
      writeFileSync(
        join(dir, "run.mjs"),
        `const { handler } = await import("./probe.mjs")
for (let k = 0; k < 20; k++) await handler({}, { awsRequestId: "r" + k })
process.exit(0)
`
      )
      const file = join(dir, "marks.jsonl")
      const child = Bun.spawn([process.execPath, join(dir, "run.mjs")], {
        env: {
          ...process.env,
          CLIENT: client,
          ROUND_TRIP_PROBE_FILE: file,
          AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${server.port}`,
          OTHER_PORT: String(other.port)
        },
        stderr: "pipe"
      })
      expect(await child.exited, await new Response(child.stderr).text()).toBe(0)
      const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { marks: Array<Mark> })
      return { marks: lines.map((l) => l.marks), calls }
    } finally {
      server.stop(true)
      other.stop(true)
      rmSync(dir, { recursive: true, force: true })
    }
  }

  for (const client of ["socket", "fetch"] as const) {
    test(
      `marks each request on the ${client} transport and splits every invocation with the server's timings`,
      async () => {
        const { marks, calls } = await probed(client)
        expect(marks).toHaveLength(20)
        expect(calls).toHaveLength(40)
        for (const m of marks) {
          expect(m.map(([label]) => label)).toEqual(
            ["enter", "send:0", "head:0", "body:0", "send:1", "head:1", "body:1", "exit"]
          )
          // The body is read once its last chunk is in: after the server wrote it, not at the first chunk.
          const own = calls.filter(([arrived]) => arrived >= m[0]![1] && arrived <= m.at(-1)![1])
          expect(own).toHaveLength(2)
          for (const [i, [, answered]] of own.entries()) {
            expect(m.find(([label]) => label === `body:${i}`)![1]).toBeGreaterThanOrEqual(answered)
          }
          const p = phasesOf(m, own, m[0]![1] - 0.5, m.at(-1)![1] + 0.5)!
          expect(p.requests).toBe(2)
          expect(p.runtimeApi + p.js + p.sendHop + p.answerHop + p.bodyRead).toBeCloseTo(p.own, 6)
        }
      },
      30_000
    )
  }
})
