import { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { SQSClient } from "@aws-sdk/client-sqs"
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb"
import { Context, Effect, Layer } from "effect"
import {
  type AwsHttpClientName,
  DEFAULT_AWS_HTTP_CLIENT,
  DEFAULT_MAX_CONCURRENCY,
  proxyApplies,
  proxyConfigured
} from "../config.ts"
import type { Environment } from "../environment.ts"
import { BunFetchHandler } from "./bun-fetch-handler.ts"
import { bunHashing } from "./bun-hash.ts"
import { BunSocketHandler, type BunSocketHandlerOptions, originKey } from "./bun-socket-handler.ts"
import { cacheHandlers } from "./cached-handlers.ts"
import { checkCrc32 } from "./crc32-check.ts"
import { leanMiddleware } from "./lean-middleware.ts"
import { plainConfig } from "./plain-config.ts"
import { MaxRequestsInFlight } from "./request-permits.ts"

// The SDK's own retries are switched off (maxAttempts: 1): batchCall retries with the
// invocation's deadline in view, and only the entries that failed. Region, credentials and
// AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SQS are read by the SDK the standard way.

/**
 * On Bun, the SDK's requests go over the function's own kept-alive sockets (bun-socket-handler.ts), up
 * to `connections` per origin, read on the JavaScript thread: Bun's fetch (and its node:http, a layer
 * over fetch) hands every request to its HTTP client thread and back, 0.3-1.0 ms of own time per round
 * trip (README, #16). `fetch` (BUN_AWS_HTTP_CLIENT=fetch) is the way back: the SDK's fetch handler,
 * lightened (bun-fetch-handler.ts), keepAlive: true because Bun's fetch opens a connection per request
 * when told keepalive: false. With a proxy variable set, what a proxy applies to goes through fetch (below).
 * Elsewhere (Node.js) the SDK default, which honours no proxy variable.
 */
export const transport = (
  connections: number = DEFAULT_MAX_CONCURRENCY,
  client: AwsHttpClientName = DEFAULT_AWS_HTTP_CLIENT,
  env: Environment = process.env
) => {
  if (!process.versions.bun) return {}
  if (client === "fetch") return { requestHandler: new BunFetchHandler({ keepAlive: true }) }
  const options = { connectionsPerOrigin: connections }
  return {
    requestHandler: proxyConfigured(env) ? new ProxiedThroughFetch(options, env) : new BunSocketHandler(options)
  }
}

/**
 * The sockets go to the origin itself and cannot speak through a proxy; Bun's fetch honours HTTPS_PROXY /
 * HTTP_PROXY and NO_PROXY. So, when a proxy variable is set, a request to an origin that fetch would reach
 * through the proxy (proxyApplies, decided once per origin) goes through fetch, and any other over the sockets.
 */
class ProxiedThroughFetch extends BunSocketHandler {
  private readonly proxied = new Map<string, boolean>()

  constructor(options: BunSocketHandlerOptions, private readonly env: Environment) {
    super(options)
  }

  override handle(...[request, options]: Parameters<BunSocketHandler["handle"]>) {
    const origin = originKey(request)
    let proxied = this.proxied.get(origin)
    if (proxied === undefined) {
      proxied = proxyApplies(this.env, request.protocol, request.hostname, request.port)
      this.proxied.set(origin, proxied)
    }
    return proxied ? BunFetchHandler.prototype.handle.call(this, request, options) : super.handle(request, options)
  }
}

/** What carries the SDK's requests on Bun (the function's BUN_AWS_HTTP_CLIENT, decoded by src/config.ts). */
export const AwsHttpClient = Context.Reference<AwsHttpClientName>("AwsHttpClient", {
  defaultValue: () => DEFAULT_AWS_HTTP_CLIENT
})

/** The transport the clients get: MAX_CONCURRENCY connections per origin, over the chosen client. */
const chosenTransport = Effect.gen(function*() {
  return transport(yield* MaxRequestsInFlight, yield* AwsHttpClient)
})

/**
 * With an explicit endpoint (emulator, proxy), send there rather than to the host in the queue URL,
 * which the SDK would otherwise prefer.
 */
export const sqsEndpointOptions = () => (process.env.AWS_ENDPOINT_URL_SQS ? { useQueueUrlAsEndpoint: false } : {})

export class DynamoDocumentClient
  extends Context.Service<DynamoDocumentClient, DynamoDBDocumentClient>()("DynamoDocumentClient")
{
  static readonly layer = Layer.effect(
    DynamoDocumentClient,
    Effect.acquireRelease(
      Effect.map(chosenTransport, (chosen) => {
        const client = cacheHandlers(
          leanMiddleware(new DynamoDBClient({ maxAttempts: 1, ...chosen, ...bunHashing() }))
        )
        checkCrc32(client)
        return DynamoDBDocumentClient.from(plainConfig(client))
      }),
      (client) => Effect.sync(() => client.destroy())
    )
  )
}

export class SqsClient extends Context.Service<SqsClient, SQSClient>()("SqsClient") {
  static readonly layer = Layer.effect(
    SqsClient,
    Effect.acquireRelease(
      Effect.map(chosenTransport, (chosen) =>
        plainConfig(cacheHandlers(
          leanMiddleware(new SQSClient({ maxAttempts: 1, ...chosen, ...bunHashing(), ...sqsEndpointOptions() }))
        ))),
      (client) => Effect.sync(() => client.destroy())
    )
  )
}
