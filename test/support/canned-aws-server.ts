import { afterAll, setSystemTime } from "bun:test"
import { cannedAnswer } from "../../bench/canned-aws.ts"

/** A request as it reached the server. */
export interface OnTheWire {
  readonly method: string
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string
}

/** The credentials of AWS's SigV4 examples: signatures depend on nothing but the request and the clock. */
export const EXAMPLE_CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
}

/** An answer instead of the canned one for a request (undefined: the canned one; a promise that never settles holds it). */
export type AnswerOverride = (target: string, body: string) => Response | Promise<Response> | undefined

/**
 * A local server that answers the SDK's DynamoDB and SQS requests as `bench/canned-aws.ts` does and
 * records each request, stopped after the test file. Its `date` header follows the test's clock
 * (setSystemTime): the SDK corrects its clock by a server Date that differs from its own, which with
 * the real time here would sign later requests with the real second.
 */
export const cannedAwsServer = (override: AnswerOverride = () => undefined) => {
  const wire: Array<OnTheWire> = []
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const body = await request.text()
      const headers = request.headers.toJSON()
      wire.push({ method: request.method, path: new URL(request.url).pathname, headers, body })
      const target = request.headers.get("x-amz-target") ?? ""
      const instead = override(target, body)
      if (instead !== undefined) return instead
      const answer = cannedAnswer(target, body)
      const date = new Date().toUTCString()
      return new Response(answer.body, { status: answer.status, headers: { ...answer.headers, date } })
    }
  })
  afterAll(() => server.stop(true))
  const endpoint = `http://127.0.0.1:${server.port}`

  /**
   * Runs `send` on a fixed clock with every random UUID the same (the SDK's invocation id), the two
   * things besides the request that its signature and headers depend on, then puts both back: its
   * answers and only the requests it made, so that two runs compare byte for byte.
   */
  const recordFixed = async <A>(send: () => Promise<A>): Promise<{ answers: A; wire: Array<OnTheWire> }> => {
    wire.length = 0
    setSystemTime(new Date("2026-11-27T12:00:00.000Z"))
    const randomUUID = crypto.randomUUID
    crypto.randomUUID = () => "00000000-0000-4000-8000-000000000000"
    try {
      const answers = await send()
      return { answers, wire: [...wire] }
    } finally {
      crypto.randomUUID = randomUUID
      setSystemTime()
    }
  }

  return { wire, endpoint, queueUrl: `${endpoint}/000000000000/out`, recordFixed }
}
