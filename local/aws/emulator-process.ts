/**
 * bun local/aws/emulator-process.ts
 *
 * dynalite and local-aws-sqs in a process of their own: started by spawnEmulators, it prints one JSON line
 * with their endpoints, then serves until its standard input ends (the parent closed it, or died: the
 * kernel closes the pipe then, so the emulators are never left behind) or it gets SIGTERM. `bun run bench
 * --emulators process` runs them so, apart from the process whose event loop times the durations and the
 * AWS calls, where every request they serve may delay those timings for both runtimes alike (README,
 * "Where the emulators run": on a 2-core machine it did not help, so inline stays the default).
 */
import { Schema } from "effect"
import { type Endpoint, startDynamoDb, startSqs } from "./emulators.ts"

/** Where the started emulators listen: the one line the process prints. */
export const EmulatorEndpoints = Schema.Struct({ dynamodb: Schema.String, sqs: Schema.String })
export type EmulatorEndpoints = typeof EmulatorEndpoints.Type
const EndpointsLine = Schema.fromJsonString(EmulatorEndpoints)

export interface EmulatorProcess {
  readonly pid: number
  readonly endpoints: EmulatorEndpoints
  /** Ends the process and waits for it to be gone. */
  readonly close: () => Promise<void>
}

/** How long close waits for the process to end on SIGTERM before it kills it. */
const CLOSE_GRACE_MS = 2_000

/**
 * Spawns this module in a process of its own, with the emulators on free loopback ports. Its standard
 * input is a pipe held by this process only: when this process ends, however it ends, the emulators do too.
 */
export const spawnEmulators = async (): Promise<EmulatorProcess> => {
  // AWS_ENDPOINT_URL_* left out: the process is asked for emulators, whatever this one's settings say.
  const { AWS_ENDPOINT_URL_DYNAMODB: _d, AWS_ENDPOINT_URL_SQS: _s, ...env } = process.env
  const child = Bun.spawn([process.execPath, import.meta.path], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
    env
  })
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), CLOSE_GRACE_MS)
      await child.exited
      clearTimeout(timer)
    }
  }
  try {
    const reader = child.stdout.getReader()
    let text = ""
    while (!text.includes("\n")) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`the emulator process ended before printing its endpoints (exit ${await child.exited})`)
      text += new TextDecoder().decode(value)
    }
    reader.releaseLock()
    const endpoints = Schema.decodeUnknownSync(EndpointsLine)(text.slice(0, text.indexOf("\n")))
    return { pid: child.pid, endpoints, close }
  } catch (error) {
    await close()
    throw error
  }
}

/** The process's own part: start both emulators, print where, stop on SIGTERM or when stdin ends. */
const serve = async () => {
  const started: Array<Endpoint> = []
  const stop = async () => {
    await Promise.all(started.map((e) => e.close()))
    process.exit(0)
  }
  process.on("SIGTERM", () => void stop())
  process.on("SIGINT", () => void stop())
  // stdin ends when the parent closes it or dies: nothing else reads from it.
  process.stdin.on("end", () => void stop())
  process.stdin.on("close", () => void stop())
  process.stdin.resume()
  const [dynamodb, sqs] = await Promise.all([startDynamoDb({}), startSqs({})])
  started.push(dynamodb, sqs)
  process.stdout.write(`${JSON.stringify({ dynamodb: dynamodb.url, sqs: sqs.url })}\n`)
}

if (import.meta.main) await serve()
