/**
 * AWS Lambda on-demand prices, us-east-1, first pricing tier, from the AWS Lambda pricing page
 * (aws.amazon.com/lambda/pricing) as of 2026-11. Duration is billed per 1 ms, init included.
 */
export const PRICES_AS_OF = "2026-11, us-east-1, tier 1 (aws.amazon.com/lambda/pricing)"
const USD_PER_GB_SECOND = { arm64: 0.0000133334, x86_64: 0.0000166667 } as const
const USD_PER_MILLION_REQUESTS = 0.2

export interface Cost {
  readonly gbSeconds: number
  readonly computeUsd: { readonly arm64: number; readonly x86_64: number }
  readonly requestUsd: number
  readonly totalUsd: { readonly arm64: number; readonly x86_64: number }
}

/** The bill for a set of invocations: GB-seconds from billed durations, plus request charges. */
export const costOf = (memoryMb: number, billedDurationsMs: ReadonlyArray<number>): Cost => {
  const gbSeconds = billedDurationsMs.reduce((s, ms) => s + (memoryMb / 1024) * (ms / 1000), 0)
  const requestUsd = (billedDurationsMs.length / 1_000_000) * USD_PER_MILLION_REQUESTS
  const computeUsd = { arm64: gbSeconds * USD_PER_GB_SECOND.arm64, x86_64: gbSeconds * USD_PER_GB_SECOND.x86_64 }
  return {
    gbSeconds,
    computeUsd,
    requestUsd,
    totalUsd: { arm64: computeUsd.arm64 + requestUsd, x86_64: computeUsd.x86_64 + requestUsd }
  }
}
