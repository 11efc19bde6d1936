/** Lambda allocates CPU in proportion to memory: one full vCPU at 1,769 MB. */
export const MB_PER_VCPU = 1769

export const vcpusFor = (memoryMb: number): number => memoryMb / MB_PER_VCPU

/** The CFS quota (µs per period) that gives `memoryMb`'s share of CPU. */
export const cpuQuotaMicros = (memoryMb: number, periodMicros = 100_000): number =>
  Math.max(1_000, Math.round(periodMicros * vcpusFor(memoryMb)))
