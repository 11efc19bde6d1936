/**
 * Where an invocation's own time goes, phase by phase: timestamps taken inside the function (the
 * probe handler below, which wraps the real one) lined up with the latency proxies' timing of each
 * AWS call and the Runtime API's duration. Used by bench/round-trip-probe.ts; pure, unit-tested.
 *
 * Timestamps are wall-clock ms (`performance.timeOrigin + performance.now()`) in every process, so that
 * the function's marks and the benchmark process's proxies and Runtime API can be compared.
 */
import { fmt, mean, table } from "./stats.ts"

/** One mark inside the function: its label (`enter`, `send:N`, `head:N`, `body:N`, `exit`), wall ms, JS-thread CPU ms. */
export type Mark = readonly [label: string, wallMs: number, cpuMs: number]

/** One AWS call as its proxy saw it: arrival and end of its answer (wall ms). */
export type ProxyCall = readonly [arrivedMs: number, answeredMs: number]

/**
 * One invocation's phases, ms. `own` = duration − aws, and adds up exactly:
 * own = runtimeApi + js + sendHop + answerHop + bodyRead.
 */
export interface Phases {
  readonly requests: number
  /** Requests whose answer the proxy timed as ending after the function saw it (its end taken as that moment). */
  readonly lateAnswers: number
  readonly duration: number
  readonly aws: number
  readonly own: number
  /** From the Runtime API handing the event out to the handler's start, plus the handler's end to the Runtime API's answer. */
  readonly runtimeApi: number
  /** The handler's JavaScript outside requests (before the first, between, after the last): wall and JS-thread CPU. */
  readonly js: number
  readonly jsCpu: number
  /** From the request handed to the transport to its arrival at the proxy, summed over requests. */
  readonly sendHop: number
  /** From the end of the proxy's answer to the response seen by JavaScript, summed over requests. */
  readonly answerHop: number
  /** JS-thread CPU from each request handed over to its response seen (the transport's share on that thread). */
  readonly requestCpu: number
  /** Reading the body once the response is seen: wall and JS-thread CPU. */
  readonly bodyRead: number
  readonly bodyCpu: number
}

const at = (marks: ReadonlyArray<Mark>, label: string): Mark | undefined => marks.find((m) => m[0] === label)

/**
 * One invocation's phases from its marks, the proxy calls of its environment (any order; each used once)
 * and the Runtime API's hand-out and answer times. Undefined when a mark or a request's proxy call is
 * missing, or requests overlap (the decomposition assumes one request at a time, as 10 records make).
 */
export const phasesOf = (
  marks: ReadonlyArray<Mark>,
  calls: ReadonlyArray<ProxyCall>,
  handedOutMs: number,
  answeredMs: number
): Phases | undefined => {
  const enter = at(marks, "enter")
  const exit = at(marks, "exit")
  if (!enter || !exit) return undefined
  const requests: Array<{ send: Mark; head: Mark; body: Mark; call: ProxyCall }> = []
  let late = 0
  const free = [...calls].sort((a, b) => a[0] - b[0])
  for (let i = 0;; i++) {
    const send = at(marks, `send:${i}`)
    if (!send) break
    const head = at(marks, `head:${i}`)
    const body = at(marks, `body:${i}`)
    if (!head || !body) return undefined
    const found = free.findIndex(([arrived]) => arrived >= send[1] && arrived <= head[1])
    if (found < 0) return undefined
    const [arrived, answered] = free.splice(found, 1)[0]!
    // The proxy notes an answer's end once res.end has returned, and the function, in another process, can
    // have read the answer (written inside res.end) before that: the answer had ended by then.
    if (answered > head[1]) late++
    requests.push({ send, head, body, call: [arrived, Math.min(answered, head[1])] })
  }
  let js = 0
  let jsCpu = 0
  let sendHop = 0
  let answerHop = 0
  let aws = 0
  let requestCpu = 0
  let bodyRead = 0
  let bodyCpu = 0
  let from: Mark = enter
  for (const { send, head, body, call } of requests) {
    if (send[1] < from[1]) return undefined // overlapping requests
    js += send[1] - from[1]
    jsCpu += send[2] - from[2]
    sendHop += call[0] - send[1]
    aws += call[1] - call[0]
    answerHop += head[1] - call[1]
    requestCpu += head[2] - send[2]
    bodyRead += body[1] - head[1]
    bodyCpu += body[2] - head[2]
    from = body
  }
  js += exit[1] - from[1]
  jsCpu += exit[2] - from[2]
  const duration = answeredMs - handedOutMs
  return {
    requests: requests.length,
    lateAnswers: late,
    duration,
    aws,
    own: duration - aws,
    runtimeApi: enter[1] - handedOutMs + (answeredMs - exit[1]),
    js,
    jsCpu,
    sendHop,
    answerHop,
    requestCpu,
    bodyRead,
    bodyCpu
  }
}

/** The phases' averages per variant, one row each, ms per invocation; per request for the hops. */
export const phasesTable = (rows: ReadonlyArray<readonly [variant: string, phases: ReadonlyArray<Phases>]>): string =>
  table(
    [
      "variant",
      "n",
      "duration",
      "AWS wait",
      "own",
      "Runtime API",
      "JS wall",
      "JS CPU",
      "send hop / req",
      "answer hop / req",
      "JS CPU in request / req",
      "body read wall / CPU",
      "late answers %"
    ],
    rows.map(([variant, list]) => {
      const avg = (f: (p: Phases) => number) => fmt(mean(list.map(f)), 3)
      const perRequest = (f: (p: Phases) => number) => fmt(mean(list.map((p) => f(p) / Math.max(1, p.requests))), 3)
      return [
        variant,
        String(list.length),
        avg((p) => p.duration),
        avg((p) => p.aws),
        avg((p) => p.own),
        avg((p) => p.runtimeApi),
        avg((p) => p.js),
        avg((p) => p.jsCpu),
        perRequest((p) => p.sendHop),
        perRequest((p) => p.answerHop),
        perRequest((p) => p.requestCpu),
        `${avg((p) => p.bodyRead)} / ${avg((p) => p.bodyCpu)}`,
        fmt(
          (100 * list.reduce((n, p) => n + p.lateAnswers, 0)) / Math.max(1, list.reduce((n, p) => n + p.requests, 0)),
          0
        )
      ]
    })
  )

/**
 * The probe handler's source (an ES module written beside the function's own `handlerFile` in its task
 * root, as `_HANDLER=probe.handler`): it marks the handler's start and end and, per AWS request, the
 * request handed to the transport (Bun: the global fetch BUN_AWS_HTTP_CLIENT=fetch calls, and the default
 * socket transport's writes on `Bun.connect` sockets to the AWS endpoints; Node.js: node:http's request,
 * which the SDK's handler looks up at its first request), the response seen and its body read, each with
 * the JavaScript thread's CPU (/proc/thread-self/schedstat, made exact by a getrusage first). Every 20
 * invocations it appends their marks to ROUND_TRIP_PROBE_FILE as JSON lines; the marks' own cost (a file
 * read each) is in both runtimes' figures alike.
 */
export const probeHandlerSource = (handlerFile: string): string => `
import { appendFileSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
const file = process.env.ROUND_TRIP_PROBE_FILE
const endpoints = [process.env.AWS_ENDPOINT_URL_DYNAMODB, process.env.AWS_ENDPOINT_URL_SQS].filter(Boolean)
// The thread's schedstat is brought up to date only when it is switched or ticks; process.cpuUsage()
// (getrusage) brings the calling thread's up to date first, so that the read is exact.
const cpuMs = () => {
  process.cpuUsage()
  const s = readFileSync("/proc/thread-self/schedstat", "latin1")
  return Number(s.slice(0, s.indexOf(" "))) / 1e6
}
let marks
let requests = 0
let invocation = 0
const mark = (label) => marks?.push([label, performance.timeOrigin + performance.now(), cpuMs()])
if (process.versions.bun) {
  const fetch0 = globalThis.fetch
  globalThis.fetch = function (input, init) {
    const url = String(input instanceof Request ? input.url : input)
    if (!marks || !endpoints.some((e) => url.startsWith(e))) return fetch0(input, init)
    const i = requests++
    mark("send:" + i)
    return fetch0(input, init).then((response) => {
      mark("head:" + i)
      const bytes = response.bytes
      response.bytes = function () {
        return bytes.call(this).then((b) => (mark("body:" + i), b))
      }
      return response
    })
  }
  // The socket transport (the default): a request is handed over at its first write on a socket to an
  // AWS endpoint once the previous answer on it has begun (later writes are its rest, as drain sends it);
  // its response is seen at the answer's first chunk, and read when the data handler has returned for its
  // last (the mark moves on with each chunk until the next request). Bun.connect, its socket's write and
  // its data handler are wrapped from outside: nothing of the function's client is relied on.
  const origins = new Set(endpoints.map((e) => {
    const u = new URL(e)
    return u.hostname.replace(/^\[(.*)\]$/, "$1") + ":" + (u.port || (u.protocol === "https:" ? "443" : "80"))
  }))
  const sockets = new WeakMap()
  const wrapWrite = (socket) => {
    if (sockets.has(socket)) return
    sockets.set(socket, undefined)
    const write0 = socket.write
    socket.write = function (...args) {
      const request = sockets.get(socket)
      if (marks && (!request || request.seen || request.invocation !== invocation)) {
        const i = requests++
        sockets.set(socket, { i, seen: false, invocation })
        mark("send:" + i)
      }
      return write0.apply(this, args)
    }
  }
  const connect0 = Bun.connect
  Bun.connect = function (options) {
    if (!origins.has(options.hostname + ":" + options.port)) return connect0.call(this, options)
    const handlers = options.socket
    const socket = {
      ...handlers,
      open(s) {
        wrapWrite(s)
        return handlers.open?.(s)
      },
      data(s, chunk) {
        const request = marks && sockets.get(s)
        if (!request || request.invocation !== invocation) return handlers.data?.(s, chunk)
        if (!request.seen) {
          request.seen = true
          mark("head:" + request.i)
        }
        try {
          return handlers.data?.(s, chunk)
        } finally {
          const label = "body:" + request.i
          const last = marks.findIndex((m) => m[0] === label)
          if (last >= 0) marks.splice(last, 1)
          mark(label)
        }
      }
    }
    return connect0.call(this, { ...options, socket }).then((s) => (wrapWrite(s), s))
  }
} else {
  const http = createRequire(import.meta.url)("node:http")
  const request0 = http.request
  http.request = function (...args) {
    if (!marks) return request0.apply(this, args)
    const i = requests++
    mark("send:" + i)
    const request = request0.apply(this, args)
    request.once("response", (response) => {
      mark("head:" + i)
      response.once("end", () => mark("body:" + i))
    })
    return request
  }
}
const real = await import(${JSON.stringify(`./${handlerFile}`)})
let lines = []
export const __lambdaInit = real.__lambdaInit
export const handler = async (event, context) => {
  marks = []
  requests = 0
  invocation++
  mark("enter")
  try {
    return await real.handler(event, context)
  } finally {
    mark("exit")
    lines.push(JSON.stringify({ requestId: context.awsRequestId, marks }))
    marks = undefined
    if (lines.length >= 20) {
      appendFileSync(file, lines.join("\\n") + "\\n")
      lines = []
    }
  }
}
`
