import { type AwsProxy, type ProxyOptions, startAwsProxy } from "./aws-proxy.ts"

export type AwsService = "dynamodb" | "sqs"

/** Where a function reaches DynamoDB and SQS (its AWS_ENDPOINT_URL_*). */
export interface ServiceEndpoints {
  readonly dynamodb: string
  readonly sqs: string
}

export type ServiceProxyOptions = Omit<ProxyOptions, "target">

/**
 * A proxy per service in front of the stack's emulators (latency, timing, faults: see aws-proxy.ts),
 * and the endpoints that reach them. The same options for both services, or the options of each.
 * `into` collects the proxies, so that the caller can count their calls and stop them.
 */
export const proxiedEndpoints = (
  stack: { readonly endpoints: ServiceEndpoints },
  options: ServiceProxyOptions | ((service: AwsService) => ServiceProxyOptions),
  into?: Array<AwsProxy>
): ServiceEndpoints => {
  const optionsOf = typeof options === "function" ? options : () => options
  const dynamodb = startAwsProxy({ ...optionsOf("dynamodb"), target: stack.endpoints.dynamodb })
  const sqs = startAwsProxy({ ...optionsOf("sqs"), target: stack.endpoints.sqs })
  into?.push(dynamodb, sqs)
  return { dynamodb: dynamodb.url, sqs: sqs.url }
}
