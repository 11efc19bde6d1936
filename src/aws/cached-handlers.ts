import type { BatchGetItemCommand, BatchWriteItemCommand } from "@aws-sdk/client-dynamodb"
import type { SendMessageBatchCommand } from "@aws-sdk/client-sqs"
import { configForCommands } from "./plain-config.ts"

/**
 * The SDK builds a command's handler anew on every send: a new middleware stack, the client's
 * copied into it, sorted, then wrapped into closures (`resolveMiddleware`), about 0.1 ms per
 * request on Bun without DFG/FTL, where V8 barely notices. Its own cache (`cacheMiddleware`) keeps
 * one handler per command class, but only for a send without options, and every send here carries
 * the abort signal that cuts a request at its timeout or the invocation's deadline. So `sendAborting`
 * keeps the handler of each command class (`cacheHandlers` marks the clients), and the signal
 * travels with the command instead: every middleware passes it on with the arguments it spreads, and
 * the innermost one hands it to the transport as the SDK would have (`handle(request, { abortSignal })`).
 *
 * Only for the plain clients' commands: a DynamoDB document client command's handler sends the
 * command it was built for, whatever it is called with (lib-dynamodb refuses `cacheMiddleware` for
 * that reason); the store sends DynamoDB's own commands (document-items.ts).
 */
const SIGNAL = Symbol("abortSignal")

/** The commands sent through a cached handler. */
export type CachedCommand = BatchWriteItemCommand | BatchGetItemCommand | SendMessageBatchCommand
type OutputOf<C> = C extends { resolveMiddleware(...args: Array<never>): (command: never) => Promise<infer R> }
  ? R extends { output: infer O } ? O : never
  : never

interface Handled {
  readonly [SIGNAL]?: AbortSignal
  readonly request: unknown
}
interface Transport {
  handle(request: unknown, options: { abortSignal: AbortSignal }): Promise<unknown>
}
type Handler = (command: object) => Promise<{ output: unknown }>
interface Client {
  readonly config: object
  readonly middlewareStack: object
}

// Per middleware stack (a document client shares its client's), the handler of each command class.
const handlers = new WeakMap<object, Map<Function, Handler>>()

/** Marks the client for `sendAborting`; what it sends otherwise is unchanged. */
export const cacheHandlers = <C extends Client>(client: C): C => {
  const config = client.config as { requestHandler: Transport }
  // The innermost middleware of the deserialize step: what it returns is what the transport returned.
  const toTransport = (next: (args: Handled) => Promise<unknown>) => (args: Handled) => {
    const abortSignal = args[SIGNAL]
    return abortSignal === undefined ? next(args) : config.requestHandler.handle(args.request, { abortSignal })
  }
  const stack = client.middlewareStack as { add: (m: typeof toTransport, options: object) => void }
  stack.add(toTransport, { step: "deserialize", priority: "low", name: "abortSignalToTransport", override: true })
  handlers.set(client.middlewareStack, new Map())
  return client
}

interface Sender {
  readonly config: object
  readonly middlewareStack: object
  send(command: never, options: { abortSignal: AbortSignal }): Promise<unknown>
}

/**
 * `client.send(command, { abortSignal })`, through the handler built for the first command of its
 * class when the client is marked (`cacheHandlers`), as the SDK's own cache does (Client.send).
 */
export const sendAborting = <C extends CachedCommand>(
  client: Sender,
  command: C,
  abortSignal: AbortSignal
): Promise<OutputOf<C>> => {
  const cache = handlers.get(client.middlewareStack)
  if (cache === undefined) return client.send(command as never, { abortSignal }) as Promise<OutputOf<C>>
  let handler = cache.get(command.constructor)
  if (handler === undefined) {
    const resolve = command.resolveMiddleware as unknown as (stack: object, config: object) => Handler
    handler = resolve.call(command, client.middlewareStack, configForCommands(client))
    cache.set(command.constructor, handler)
  }
  return handler(Object.assign(command, { [SIGNAL]: abortSignal })).then((r) => r.output as OutputOf<C>)
}
