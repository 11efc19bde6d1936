/** A request that never answers: it rejects when its signal aborts, as fetch does (an AbortError). */
export const hungUntilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) =>
    signal.addEventListener("abort", () => reject(Object.assign(new Error("x"), { name: "AbortError" })))
  )
