import { Layer } from "effect"
import type { LogLevel } from "effect"
import { AwsHttpClient, DynamoDocumentClient, SqsClient } from "../aws/clients.ts"
import { DynamoProductStore } from "../aws/dynamo-product-store.ts"
import { primeAwsClients } from "../aws/prime-clients.ts"
import { MaxRequestsInFlight } from "../aws/request-permits.ts"
import { SqsDeadLetterQueue, SqsOutputQueue } from "../aws/sqs-queue.ts"
import { AppConfig, type AppConfigShape } from "../config.ts"
import { LambdaLoggerLayer } from "../log/lambda-logger.ts"

/**
 * Everything the function needs on AWS (or on the endpoints AWS_ENDPOINT_URL_* point to). Building
 * it primes the clients, which it shares with the services.
 */
export const liveLayer = (config: AppConfigShape, logLevel: LogLevel.LogLevel) =>
  Layer.mergeAll(DynamoProductStore, SqsOutputQueue, SqsDeadLetterQueue, Layer.effectDiscard(primeAwsClients)).pipe(
    Layer.provide(Layer.mergeAll(DynamoDocumentClient.layer, SqsClient.layer, Layer.succeed(AppConfig, config))),
    Layer.provideMerge(
      Layer.mergeAll(
        LambdaLoggerLayer(logLevel),
        Layer.succeed(MaxRequestsInFlight, config.maxConcurrency),
        Layer.succeed(AwsHttpClient, config.awsHttpClient)
      )
    )
  )
