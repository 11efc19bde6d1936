import { Context, Effect, Semaphore } from "effect"
import { DEFAULT_MAX_CONCURRENCY } from "../config.ts"

/** MAX_CONCURRENCY: the most AWS requests in flight at once within one invocation. */
export const MaxRequestsInFlight = Context.Reference<number>("MaxRequestsInFlight", {
  defaultValue: () => DEFAULT_MAX_CONCURRENCY
})

/**
 * The permits behind that bound: every AWS call holds one while it is in flight, whatever its kind
 * (writes, reads, output sends, DLQ sends all draw on the same semaphore). Each invocation gets its
 * own (withRequestPermits); the default, shared by whatever runs outside an invocation, still bounds.
 */
const RequestPermits = Context.Reference<Semaphore.Semaphore>("RequestPermits", {
  defaultValue: () => Semaphore.makeUnsafe(DEFAULT_MAX_CONCURRENCY)
})

// Both below run per AWS call or per invocation: plain flatMaps, as a generator costs more to run on JavaScriptCore.

/** One AWS call, made once a permit is free and holding it until the call ends. */
export const withRequestPermit = <A, E, R>(call: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(RequestPermits, (permits) => permits.withPermits(1)(call))

/** Runs `effect` (an invocation) with fresh permits: MaxRequestsInFlight AWS requests at most. */
export const withRequestPermits = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(MaxRequestsInFlight, (max) => Effect.provideServiceEffect(effect, RequestPermits, Semaphore.make(max)))
