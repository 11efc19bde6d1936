import type { SessionOptions } from "../flow/session.ts"
import type { AwsProxy } from "../proxy/aws-proxy.ts"
import { faultInjector, type FaultStats, uniformFaults } from "../proxy/faults.ts"
import { proxiedEndpoints } from "../proxy/proxied-endpoints.ts"

export interface InjectionRates {
  /** Share of the function's DynamoDB and SQS calls that fail (errors, resets, partial batches, spikes). */
  readonly faultRate: number
  /** Share of invocations whose execution environment is killed mid-batch. */
  readonly killRate: number
  /** Share of the local Runtime API's /next answers that are 500s. */
  readonly runtimeApiErrorRate: number
}

/** What was injected, counted as it happened. */
export interface Injected {
  readonly killed: number
  readonly runtimeApiErrors: number
  readonly faults: { readonly dynamodb: FaultStats; readonly sqs: FaultStats }
  /** Per message id: sends that reached SQS while the function saw the connection drop (so it sent again). */
  readonly hiddenSends: ReadonlyMap<string, number>
}

/**
 * The faults of a chaos run, as session hooks: fault proxies in front of the emulators, environments
 * killed mid-batch, Runtime API 500s. Every decision draws on `random`, so a seed replays them.
 */
export const faultInjection = (rates: InjectionRates, random: () => number) => {
  const proxies: Array<AwsProxy> = []
  const faults = {
    dynamodb: { errors: 0, resets: 0, partials: 0, spikes: 0 },
    sqs: { errors: 0, resets: 0, partials: 0, spikes: 0 }
  }
  let killed = 0
  let runtimeApiErrors = 0
  // A send that reached SQS but whose answer was dropped is resent by the function: a forced duplicate.
  const hiddenSends = new Map<string, number>()
  const noteHiddenSend = (operation: string, body: string) => {
    if (operation !== "SendMessageBatch") return
    for (const entry of JSON.parse(body).Entries ?? []) {
      const attributes = entry.MessageAttributes ?? {}
      const id = attributes.correlationId?.StringValue ?? attributes.sourceMessageId?.StringValue
      if (id) hiddenSends.set(id, (hiddenSends.get(id) ?? 0) + 1)
    }
  }
  const hooks: Pick<SessionOptions, "onDispatch" | "runtimeApiIntercept" | "functionEndpoints"> = {
    onDispatch: (env) => {
      if (random() >= rates.killRate) return
      killed++
      // Somewhere in the middle of the batch: after some AWS calls, before the answer.
      setTimeout(() => env.pid !== undefined && process.kill(env.pid, "SIGKILL"), Math.floor(random() * 10))
    },
    runtimeApiIntercept: (request) => {
      if (!request.url.endsWith("/invocation/next") || random() >= rates.runtimeApiErrorRate) return undefined
      runtimeApiErrors++
      return new Response("injected Runtime API failure", { status: 500 })
    },
    functionEndpoints: (stack) =>
      proxiedEndpoints(stack, (service) => {
        const uniform = uniformFaults(service, rates.faultRate, random)
        const plan = service === "sqs" ? { ...uniform, onHiddenSuccess: noteHiddenSend } : uniform
        return { intercept: faultInjector(plan, faults[service]).interceptor }
      }, proxies)
  }
  return {
    hooks,
    injected: (): Injected => ({ killed, runtimeApiErrors, faults, hiddenSends }),
    stop: () => Promise.all(proxies.map((p) => p.stop()))
  }
}
