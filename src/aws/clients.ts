import { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { SQSClient } from "@aws-sdk/client-sqs"
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb"
import { Context, Effect, Layer } from "effect"
import { DEFAULT_MAX_CONCURRENCY } from "../config.ts"
import { BunFetchHandler } from "./bun-fetch-handler.ts"
import { bunHashing } from "./bun-hash.ts"
import { BunSocketHandler } from "./bun-socket-handler.ts"
import { cacheHandlers } from "./cached-handlers.ts"
import { checkCrc32 } from "./crc32-check.ts"
import { leanMiddleware } from "./lean-middleware.ts"
import { MaxRequestsInFlight } from "./request-permits.ts"

// The SDK's own retries are switched off (maxAttempts: 1): batchCall retries with the
// invocation's deadline in view, and only the entries that failed. Region, credentials and
// AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SQS are read by the SDK the standard way.

/**
 * On Bun, a fetch transport instead of the SDK's node:http one: Bun's fetch is native, while its
 * node:http is a JavaScript layer over the same client. Measured in 128 MB environments: about a
 * third less CPU per invocation, half the first invocation's. Elsewhere (Node.js) the SDK default.
 * The SDK's fetch handler, lightened (bun-fetch-handler.ts). keepAlive: true because Bun's fetch
 * opens a connection per request when told keepalive: false, the handler's default, should a later
 * Bun expose Request.keepalive (1.4 does not) and a request go through the SDK's own path.
 * `BUN_AWS_HTTP_CLIENT=socket` (opt-in) sends over the function's own sockets instead
 * (bun-socket-handler.ts: no hop to Bun's HTTP client thread per request), up to `connections` per
 * origin: less own time per round trip in local environments, not yet tried against AWS over TLS (README).
 */
export const transport = (connections: number = DEFAULT_MAX_CONCURRENCY) => {
  if (!process.versions.bun) return {}
  if (process.env[BUN_AWS_HTTP_CLIENT] === "socket") {
    return { requestHandler: new BunSocketHandler({ connectionsPerOrigin: connections }) }
  }
  return { requestHandler: new BunFetchHandler({ keepAlive: true }) }
}

/** The Bun transport's switch: `socket` for the function's own sockets, anything else fetch. */
export const BUN_AWS_HTTP_CLIENT = "BUN_AWS_HTTP_CLIENT"

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
      Effect.map(MaxRequestsInFlight, (connections) => {
        const client = cacheHandlers(
          leanMiddleware(new DynamoDBClient({ maxAttempts: 1, ...transport(connections), ...bunHashing() }))
        )
        checkCrc32(client)
        return DynamoDBDocumentClient.from(client)
      }),
      (client) => Effect.sync(() => client.destroy())
    )
  )
}

export class SqsClient extends Context.Service<SqsClient, SQSClient>()("SqsClient") {
  static readonly layer = Layer.effect(
    SqsClient,
    Effect.acquireRelease(
      Effect.map(MaxRequestsInFlight, (connections) =>
        cacheHandlers(
          leanMiddleware(
            new SQSClient({ maxAttempts: 1, ...transport(connections), ...bunHashing(), ...sqsEndpointOptions() })
          )
        )),
      (client) => Effect.sync(() => client.destroy())
    )
  )
}
