/**
 * The load benchmark's messages, apart from the stack they are sent to: no imports, so that
 * bench/hot-path-runner.ts can make the same messages on Node.js too (which strips the types).
 */
export type CaseKind = "add" | "read"

/** The name of the product the run's message number `i` adds (the accounting checks it by that number). */
export const productName = (i: number): string => `bench product ${i}`

/**
 * Messages `from` to `from + count` of a run: adds named by their number in the run (the accounting
 * checks each product by it), or reads of the `seeded` products in turn.
 */
export const workloadBodies = (kind: CaseKind, from: number, count: number, seeded: number): Array<string> =>
  Array.from({ length: count }, (_, k) => {
    const i = from + k
    return JSON.stringify(
      kind === "add" ? { name: productName(i), price: i % 100 } : { pk: `seed-${i % seeded}` }
    )
  })
