/**
 * bun bench/hot-path-effect.ts [--calls 20000] [--rounds 7] [--memory 1024] [--bun-full-jit]
 *
 * What a few of Effect's per-call mechanisms cost on Bun's JavaScript thread, in µs per call, under the
 * layer's JavaScriptCore settings for --memory (runtime/bootstrap: no DFG/FTL; the script runs itself again
 * in a child process with them): the pieces the hot path (bench/hot-path.ts) calls a few times per
 * invocation, measured alone so that a cut can be weighed before it is made. Each row is the median over
 * rounds of --calls calls, the rows of a round measured one after the other; tracing is off, as in an
 * invocation Lambda did not sample (Effect then makes no-op spans).
 * - Effect.fn("name") against Effect.fnUntraced + a span made without a stack trace (span.ts's step): the
 *   difference is Effect.fn's per-call `new Error()` (stack trace limit 2); `new Error()` alone beside it. Then
 *   Effect.fnUntraced + tracedSpan (src/observability/span.ts: no span at all while tracing is off), and alone.
 * - An AWS request as Effect.tryPromise + Effect.timeoutOrElse (a race of two forked fibers, one an Effect
 *   sleep) against awsRequest (src/aws/aws-request.ts: a timer and an abort signal of its own).
 * - Effect.timeoutOption around an invocation's work.
 * - A data-last call through pipe (Effect.map(f) then applied) against the data-first one (Effect.map(self, f)).
 */
import { Duration, Effect, References } from "effect"
import { parseArgs } from "node:util"
import { usageOf } from "../local/flow/usage.ts"
import { awsRequest } from "../src/aws/aws-request.ts"
import { tracedSpan } from "../src/observability/span.ts"
import { step } from "../src/observability/span.ts"
import { layerEnv } from "./layer-env.ts"
import { fmt, median, table } from "./stats.ts"

const { values: args } = parseArgs({
  options: {
    calls: { type: "string", default: "20000" },
    rounds: { type: "string", default: "7" },
    memory: { type: "string", default: "1024" },
    "bun-full-jit": { type: "boolean", default: false },
    child: { type: "boolean", default: false },
    help: { type: "boolean" }
  }
})
if (args.help) {
  console.log(usageOf(import.meta.path))
  process.exit(0)
}

if (!args.child) {
  const env = layerEnv(Number(args.memory), { fullJit: args["bun-full-jit"] === true })
  const child = Bun.spawn([process.execPath, import.meta.path, ...process.argv.slice(2), "--child"], {
    env: { ...process.env, ...env },
    stdout: "inherit",
    stderr: "inherit"
  })
  process.exit(await child.exited)
}

const calls = Number(args.calls)
const rounds = Number(args.rounds)

const answered = () => Promise.resolve(1)
const cases: Record<string, Effect.Effect<number, unknown>> = {
  "Effect.fn(\"name\")": Effect.suspend(() => traced(1)),
  "Effect.fnUntraced + step (no stack trace)": Effect.suspend(() => stepped(1)),
  "Effect.fnUntraced + tracedSpan": Effect.suspend(() => spanWhenTraced(1)),
  "Effect.fnUntraced alone": Effect.suspend(() => untraced(1)),
  "request: tryPromise + timeoutOrElse": Effect.suspend(() =>
    Effect.tryPromise({ try: answered, catch: (e) => e }).pipe(
      Effect.timeoutOrElse({ duration: Duration.millis(5_000), orElse: () => Effect.fail("timeout") })
    )
  ),
  "request: awsRequest": Effect.suspend(() => awsRequest("Op", 5_000, answered)),
  "request: tryPromise alone": Effect.suspend(() => Effect.tryPromise({ try: answered, catch: (e) => e })),
  "Effect.timeoutOption(succeed)": Effect.suspend(() =>
    Effect.succeed(1).pipe(Effect.timeoutOption(Duration.millis(5_000)), Effect.map(() => 1))
  ),
  "Effect.map data-last, through pipe": Effect.suspend(() => Effect.succeed(1).pipe(Effect.map((n) => n + 1))),
  "Effect.map data-first": Effect.suspend(() => Effect.map(Effect.succeed(1), (n) => n + 1))
}
const traced = Effect.fn("traced")(function*(n: number) {
  return n + 1
})
const untraced = Effect.fnUntraced(function*(n: number) {
  return n + 1
})
const stepped = (n: number) => untraced(n).pipe(step("traced"))
const spanWhenTraced = Effect.fnUntraced(function*(n: number) {
  return n + 1
}, tracedSpan("traced"))

const stackCapture = () => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 2
  const error = new Error()
  Error.stackTraceLimit = limit
  return error
}

const runCase = async (effect: Effect.Effect<number, unknown>): Promise<number> => {
  const loop = Effect.gen(function*() {
    let sum = 0
    for (let i = 0; i < calls; i++) sum += yield* effect
    return sum
  }).pipe(Effect.provideService(References.TracerEnabled, false))
  const started = performance.now()
  await Effect.runPromise(loop)
  return (performance.now() - started) * 1000 / calls
}

const perCall = new Map<string, Array<number>>()
const record = (name: string, us: number) => perCall.set(name, [...(perCall.get(name) ?? []), us])
// A round to warm up, not counted.
for (let round = 0; round <= rounds; round++) {
  for (const [name, effect] of Object.entries(cases)) {
    const us = await runCase(effect)
    if (round > 0) record(name, us)
  }
  const started = performance.now()
  for (let i = 0; i < calls; i++) stackCapture()
  if (round > 0) record("new Error() at stack trace limit 2", (performance.now() - started) * 1000 / calls)
}

const jit = args["bun-full-jit"] ? "DFG/FTL on" : "baseline tier only (the layer's)"
console.log(
  `µs per call on Bun ${Bun.version}, ${jit}, ${args.memory} MB settings; median [min-max] of ${rounds} rounds`
)
console.log(table(
  ["case", "µs per call"],
  [...perCall].map((
    [name, us]
  ) => [name, `${fmt(median(us), 2)} [${fmt(Math.min(...us), 2)}-${fmt(Math.max(...us), 2)}]`])
))
