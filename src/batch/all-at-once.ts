import { Effect } from "effect"

/**
 * Runs the effects at once (unbounded concurrency), as Effect.all with discard does, but forks no
 * fiber when there is only one to run, or none: Effect.all forks one per effect even then. Most
 * invocations run one request of each kind, and a fork per step was a measurable share of their CPU.
 * `Effect.void`s (nothing to do) are dropped first.
 */
export const allAtOnce = <E, R>(effects: ReadonlyArray<Effect.Effect<void, E, R>>): Effect.Effect<void, E, R> => {
  const work = effects.filter((e) => e !== Effect.void)
  if (work.length === 0) return Effect.void
  if (work.length === 1) return work[0]!
  return Effect.all(work, { concurrency: "unbounded", discard: true })
}

/** `allAtOnce` of `f` applied to each item. */
export const forEachAtOnce = <A, E, R>(
  items: ReadonlyArray<A>,
  f: (item: A) => Effect.Effect<void, E, R>
): Effect.Effect<void, E, R> => allAtOnce(items.map(f))
