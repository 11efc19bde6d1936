import { type AppConfigShape, DEFAULT_AWS_HTTP_CLIENT, DEFAULT_MAX_CONCURRENCY, ENV } from "../../src/config.ts"
import { spawnEmulators } from "./emulator-process.ts"
import { type Endpoint, startDynamoDb, startSqs } from "./emulators.ts"
import { localIdentityEnv } from "./local-clients.ts"
import { type ProvisionedStack, provisionStack, type StackSettings } from "./provision.ts"

export interface LocalStack extends ProvisionedStack {
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string }
  readonly embedded: { readonly dynamodb: boolean; readonly sqs: boolean }
  /** The emulators' own process when they run in one (placement "process"): whose CPU it is. */
  readonly emulatorPid?: number
  /** The environment a function needs to run against this stack, as Lambda would set it. */
  readonly functionEnv: Record<string, string>
  readonly close: () => Promise<void>
}

/**
 * Where the emulators run: "inline", in this process (fast to start: tests, `bun run invoke`), or "process",
 * in a process of their own (emulator-process.ts: the benchmark, so that serving AWS calls does not delay
 * this process's timers). LOCAL_EMULATORS=process|inline chooses for a script that does not.
 */
export type EmulatorPlacement = "inline" | "process"
export const EMULATOR_PLACEMENTS: ReadonlyArray<EmulatorPlacement> = ["inline", "process"]

export const emulatorPlacement = (value: string | undefined, fallback: EmulatorPlacement): EmulatorPlacement => {
  if (value === undefined || value === "") return fallback
  if (!EMULATOR_PLACEMENTS.includes(value as EmulatorPlacement)) {
    throw new Error(`emulators "${value}": one of ${EMULATOR_PLACEMENTS.join(", ")}`)
  }
  return value as EmulatorPlacement
}

/** dynalite and local-aws-sqs where asked, each replaced by the endpoint AWS_ENDPOINT_URL_DYNAMODB / _SQS names. */
const startEmulators = async (
  placement: EmulatorPlacement
): Promise<{ dynamodb: Endpoint; sqs: Endpoint; pid?: number }> => {
  const env = process.env
  if (placement === "inline" || (env.AWS_ENDPOINT_URL_DYNAMODB && env.AWS_ENDPOINT_URL_SQS)) {
    const [dynamodb, sqs] = await Promise.all([startDynamoDb(), startSqs()])
    return { dynamodb, sqs }
  }
  const own = await spawnEmulators()
  const served = (url: string): Endpoint => ({ url, embedded: true, close: own.close })
  const external = (url: string): Endpoint => ({ url, embedded: false, close: async () => {} })
  return {
    dynamodb: env.AWS_ENDPOINT_URL_DYNAMODB ? external(env.AWS_ENDPOINT_URL_DYNAMODB) : served(own.endpoints.dynamodb),
    sqs: env.AWS_ENDPOINT_URL_SQS ? external(env.AWS_ENDPOINT_URL_SQS) : served(own.endpoints.sqs),
    pid: own.pid
  }
}

/**
 * The emulators (or the endpoints AWS_ENDPOINT_URL_DYNAMODB / _SQS name) with the table and queues
 * provisioned. A unique prefix keeps parallel or repeated runs apart on a shared endpoint.
 */
export const startLocalStack = async (
  settings: Partial<StackSettings> = {},
  placement: EmulatorPlacement = emulatorPlacement(process.env.LOCAL_EMULATORS, "inline")
): Promise<LocalStack> => {
  const { dynamodb, sqs, pid } = await startEmulators(placement)
  try {
    const endpoints = { dynamodb: dynamodb.url, sqs: sqs.url }
    const stack = await provisionStack(endpoints, settings)
    return {
      ...stack,
      endpoints,
      embedded: { dynamodb: dynamodb.embedded, sqs: sqs.embedded },
      ...(pid === undefined ? {} : { emulatorPid: pid }),
      functionEnv: {
        [ENV.tableName]: stack.tableName,
        [ENV.outputQueueUrl]: stack.outputQueueUrl,
        [ENV.deadLetterQueueUrl]: stack.deadLetterQueueUrl,
        AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
        AWS_ENDPOINT_URL_SQS: endpoints.sqs,
        ...localIdentityEnv()
      },
      close: async () => {
        await Promise.all([dynamodb.close(), sqs.close()])
      }
    }
  } catch (e) {
    await Promise.all([dynamodb.close(), sqs.close()])
    throw e
  }
}

/** The function's settings on a provisioned stack, as appConfig reads them from functionEnv at a cold start. */
export const appConfigOf = (
  stack: ProvisionedStack,
  maxConcurrency: number = DEFAULT_MAX_CONCURRENCY
): AppConfigShape => ({
  tableName: stack.tableName,
  outputQueueUrl: stack.outputQueueUrl,
  deadLetterQueueUrl: stack.deadLetterQueueUrl,
  maxConcurrency,
  awsHttpClient: DEFAULT_AWS_HTTP_CLIENT
})
