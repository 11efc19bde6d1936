import type { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import type { SQSClient } from "@aws-sdk/client-sqs"
import { getUserAgentMiddlewareOptions, userAgentMiddleware } from "@aws-sdk/core/client"

type Client = DynamoDBClient | SQSClient
type UserAgentConfig = Parameters<typeof userAgentMiddleware>[0]

interface BuildArgs {
  readonly request: unknown
}
type Next = (args: BuildArgs) => Promise<unknown>
interface Context {
  readonly commandName?: string
  readonly __smithy_context?: { readonly features?: object }
  readonly __aws_sdk_context?: { readonly features?: object }
}

const USER_AGENT_HEADERS = ["user-agent", "x-amz-user-agent"] as const
type UserAgentHeaders = Partial<Record<(typeof USER_AGENT_HEADERS)[number], string>>

const headersOf = (request: unknown): Record<string, string> | undefined => {
  const headers = (request as { headers?: unknown } | undefined)?.headers
  return typeof headers === "object" && headers !== null ? headers as Record<string, string> : undefined
}

/**
 * The SDK's user agent middleware, run once per command (and per set of SDK features the request
 * carries when it runs), its two headers reused on every later request of that command. It rebuilt
 * the same strings on every request: several awaits, escaping by regular expressions, the feature
 * list (retry mode, credentials source: a client's, fixed for its life). The headers on the wire are
 * the SDK's own, unchanged (test/unit/lean-middleware.test.ts).
 */
const userAgentOnce = (client: Client): void => {
  const known = new Map<string, UserAgentHeaders>()
  const sdkMiddleware = userAgentMiddleware(client.config as UserAgentConfig)
  const middleware = (next: Next, context: Context) => async (args: BuildArgs) => {
    const headers = headersOf(args.request)
    if (headers === undefined) return next(args)
    const features = Object.keys({ ...context.__smithy_context?.features, ...context.__aws_sdk_context?.features })
    const key = `${context.commandName} ${features.join()}`
    const reuse = known.get(key)
    if (reuse !== undefined) {
      Object.assign(headers, reuse)
      return next(args)
    }
    const remember: Next = (built) => {
      const set = headersOf(built.request) ?? {}
      known.set(key, Object.fromEntries(USER_AGENT_HEADERS.flatMap((h) => (h in set ? [[h, set[h]!]] : []))))
      return next(built)
    }
    return sdkMiddleware(remember as never, context as never)(args as never)
  }
  const stack = client.middlewareStack as unknown as { add: (m: typeof middleware, options: object) => void }
  stack.add(middleware, { ...getUserAgentMiddlewareOptions, override: true })
}

/**
 * The clients' middleware trimmed of work that gives the function nothing:
 * - the user agent computed once per command (above);
 * - no logger middleware: the clients have no logger (the SDK's NoOpLogger), to which it would only
 *   hand each failed request's input, filtered for secrets, to be dropped.
 * Everything that shapes or checks a request or an answer stays: serialisation, content length,
 * host, recursion detection (X-Amzn-Trace-Id), the retry middleware (one attempt: maxAttempts 1),
 * SigV4 signing, deserialisation, the CRC32 and MD5 checks.
 */
export const leanMiddleware = <C extends Client>(client: C): C => {
  client.middlewareStack.remove("loggerMiddleware")
  userAgentOnce(client)
  return client
}
