import type { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import type { SQSClient } from "@aws-sdk/client-sqs"
import { getSchemaSerdePlugin } from "@smithy/core/schema"

type Client = DynamoDBClient | SQSClient
type Signer = (authScheme?: unknown) => Promise<unknown>
interface Config {
  signer?: Signer
  readonly protocol: { setSerdeContext(context: object): void }
}

// Per middleware stack (a document client shares its client's), the plain copy of the client's config.
const plainCopies = new WeakMap<object, object>()

/**
 * A client's config is copied by the SDK four times per request (`{ ...config }` and `{ ...config, ...context }`):
 * for the endpoint middleware, the serialisation, the deserialisation, and the SigV4 signer, made anew per
 * request. The config (~50 properties) has one accessor, `credentials` (the SDK's resolveAwsSdkSigV4Config), and
 * JavaScriptCore copies an object that has ever had an accessor property on its slow path: 1.6-2.0 µs a copy,
 * against 0.06 µs for a plain object of the same properties (README, #16), and several times that in an
 * environment, where the copy finds its memory out of the caches.
 *
 * So, once the client is set up:
 * - the signer is made once per auth scheme and reused, as it holds nothing of a request's (the credentials
 *   come from their provider per signing, the clock from the signing middleware);
 * - the serialisation and deserialisation middlewares (the SDK's own, from getSchemaSerdePlugin) and the
 *   commands' own middleware (the endpoint's, SQS's MD5 check; `configForCommands`) get a plain copy of the
 *   config, made here, which they only read, as they read the original: its providers, protocol, endpoint
 *   resolver and hash constructors are set for the client's life. What the SDK changes on the config after
 *   set-up (the clock offset, the signing region) is read by other middleware, from the original.
 */
export const plainConfig = <C extends Client>(client: C): C => {
  const config = client.config as unknown as Config
  const makeSigner = config.signer
  if (makeSigner !== undefined) {
    const signers = new Map<string, Promise<unknown>>()
    config.signer = (authScheme) => {
      const key = authScheme === undefined ? "" : JSON.stringify(authScheme)
      let signer = signers.get(key)
      if (signer === undefined) {
        signer = makeSigner(authScheme)
        signers.set(key, signer)
        // A failed making (e.g. the region's provider) is tried again on the next request, as before.
        signer.catch(() => signers.delete(key))
      }
      return signer
    }
  }
  const plain = { ...config }
  getSchemaSerdePlugin(plain as never).applyToStack(client.middlewareStack as never)
  // The plugin points the protocol at the config it is given: back to the client's own.
  config.protocol.setSerdeContext(config)
  plainCopies.set(client.middlewareStack, plain)
  return client
}

/** The config a command's middleware is built with: the plain copy when the client has one (`plainConfig`). */
export const configForCommands = (client: { readonly config: object; readonly middlewareStack: object }): object =>
  plainCopies.get(client.middlewareStack) ?? client.config
