import { resolve } from "node:path"
import { ENV } from "../../src/config.ts"
import { type EmulatorPlacement, type LocalStack, startLocalStack } from "../aws/local-stack.ts"
import { EnvironmentPool } from "../event-source/environment-pool.ts"
import { EventSourceMapping, type InvocationRecord } from "../event-source/event-source-mapping.ts"
import { type CgroupSupport, detectCgroups } from "../limits/cgroups.ts"
import type { LambdaTracing } from "../runtime-api/active-tracing.ts"
import type { ExecutionEnvironment } from "../runtime-api/environment.ts"
import { resourceNames, STACK_DEFAULTS } from "../stack/defaults.ts"

export interface SessionOptions {
  readonly memoryMb: number
  readonly concurrency: number
  /** Invocations at once per environment (Lambda Managed Instances); default 1. */
  readonly perEnvironment?: number
  readonly batchSize: number
  readonly batchingWindowSeconds: number
  readonly timeoutSeconds: number
  /** Extra environment for the function (e.g. MAX_CONCURRENCY, AWS_ENDPOINT_URL_* of a proxy). */
  readonly functionEnv?: Record<string, string>
  readonly onInvocation?: (record: InvocationRecord) => void
  readonly onDispatch?: (env: ExecutionEnvironment) => void
  readonly onLog?: (line: string) => void
  /** Lets the local Runtime API answer some runtime calls itself (outage injection). */
  readonly runtimeApiIntercept?: (request: Request) => Response | undefined
  readonly prefix?: string
  /** Another function than src/handler.ts (tests use fixtures), or another runtime's bootstrap. */
  readonly function?: { readonly taskRoot: string; readonly handler: string; readonly bootstrap?: string }
  /** Local only: fewer receives before the DLQ than Terraform's minimum of 5, for fast tests. */
  readonly maxReceiveCount?: number
  /** Local only: records left for retry reappear sooner than AWS's rule allows, for fast tests. */
  readonly visibilityTimeoutSeconds?: number
  /** Where the stack's emulators are reached by the function (e.g. a fault proxy); defaults to the emulators. */
  readonly functionEndpoints?: (stack: LocalStack) => { dynamodb: string; sqs: string }
  /** Benchmarks: endpoints per environment (its own proxies), and the CPUs environments run on. */
  readonly environmentEndpoints?: (stack: LocalStack, id: number) => { dynamodb: string; sqs: string }
  readonly environmentCpus?: string
  /** Benchmarks: environments' groups weigh more than other work when the CPU is contended (limits/cgroups.ts). */
  readonly prioritiseEnvironments?: boolean
  /** Active tracing: Lambda's trace header, sampled as X-Ray's rule does, for every invocation (active-tracing.ts). */
  readonly tracing?: LambdaTracing
  /** Where the emulators run (local-stack.ts): default in this process, or as LOCAL_EMULATORS says. */
  readonly emulators?: EmulatorPlacement
  /** Freeze idle environments as Lambda does (runtime-api/freezing.ts); default: on unless LOCAL_LAMBDA_FREEZE=off. */
  readonly freeze?: boolean
}

export interface Session {
  readonly stack: LocalStack
  readonly pool: EnvironmentPool
  readonly mapping: EventSourceMapping
  readonly cgroups: CgroupSupport
  readonly close: () => Promise<void>
}

const ROOT = resolve(import.meta.dir, "../..")

/**
 * The whole local flow: emulators (or AWS_ENDPOINT_URL_*) with the stack provisioned, execution
 * environments running the real runtime/bootstrap on src/handler.ts, and the event source mapping
 * between the input queue and them.
 */
export const startSession = async (options: SessionOptions): Promise<Session> => {
  const stack = await startLocalStack({
    prefix: options.prefix ?? STACK_DEFAULTS.prefix,
    functionTimeoutSeconds: options.timeoutSeconds,
    batchingWindowSeconds: options.batchingWindowSeconds,
    ...(options.maxReceiveCount ? { maxReceiveCount: options.maxReceiveCount } : {}),
    ...(options.visibilityTimeoutSeconds ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds } : {})
  }, options.emulators)
  const detected = detectCgroups()
  const cgroups = options.prioritiseEnvironments ? detected.prioritised?.() ?? detected : detected
  const endpoints = options.functionEndpoints?.(stack) ?? stack.endpoints
  const pool = new EnvironmentPool(
    {
      bootstrap: options.function?.bootstrap ?? resolve(ROOT, "runtime/bootstrap"),
      taskRoot: options.function?.taskRoot ?? ROOT,
      handler: options.function?.handler ?? "src/handler.handler",
      functionName: resourceNames(options.prefix).function,
      memorySizeMb: options.memoryMb,
      timeoutMs: options.timeoutSeconds * 1000,
      ...(options.perEnvironment ? { maxConcurrency: options.perEnvironment } : {}),
      env: {
        ...stack.functionEnv,
        AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
        AWS_ENDPOINT_URL_SQS: endpoints.sqs,
        [ENV.maxConcurrency]: String(STACK_DEFAULTS.maxConcurrencyInFunction),
        ...options.functionEnv
      },
      ...(options.onLog ? { onLog: options.onLog } : {}),
      ...(options.tracing ? { tracing: options.tracing } : {}),
      ...(options.freeze === undefined ? {} : { freeze: options.freeze }),
      ...(options.runtimeApiIntercept ? { server: { intercept: options.runtimeApiIntercept } } : {})
    },
    options.concurrency,
    cgroups,
    {
      ...(options.environmentCpus ? { cpus: options.environmentCpus } : {}),
      ...(options.environmentEndpoints ?
        {
          env: (id: number) => {
            const own = options.environmentEndpoints!(stack, id)
            return { AWS_ENDPOINT_URL_DYNAMODB: own.dynamodb, AWS_ENDPOINT_URL_SQS: own.sqs }
          }
        } :
        {})
    }
  )
  const mapping = new EventSourceMapping({
    sqsEndpoint: stack.endpoints.sqs,
    queueUrl: stack.inputQueueUrl,
    queueArn: stack.inputQueueArn,
    batchSize: options.batchSize,
    batchingWindowMs: options.batchingWindowSeconds * 1000,
    pool,
    ...(options.onInvocation ? { onInvocation: options.onInvocation } : {}),
    ...(options.onDispatch ? { onDispatch: options.onDispatch } : {})
  })
  return {
    stack,
    pool,
    mapping,
    cgroups,
    close: async () => {
      await mapping.stop()
      await pool.stop()
      await stack.close()
    }
  }
}
