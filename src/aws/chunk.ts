/** Splits into runs of at most `size` items. */
export const chunksOf = <A>(items: ReadonlyArray<A>, size: number): Array<Array<A>> => {
  const out: Array<Array<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Splits into runs of at most `maxCount` items whose `weight`s add up to at most `maxWeight`. */
export const chunksByWeight = <A>(
  items: ReadonlyArray<A>,
  maxCount: number,
  maxWeight: number,
  weight: (a: A) => number
): Array<Array<A>> => {
  const out: Array<Array<A>> = []
  let current: Array<A> = []
  let total = 0
  for (const item of items) {
    const w = weight(item)
    if (current.length > 0 && (current.length === maxCount || total + w > maxWeight)) {
      out.push(current)
      current = []
      total = 0
    }
    current.push(item)
    total += w
  }
  if (current.length > 0) out.push(current)
  return out
}
