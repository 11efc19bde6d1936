/** Lambda allocates CPU in proportion to memory: one full vCPU at 1,769 MB. */
const MB_PER_VCPU = 1769

/**
 * The CFS period over which the CPU share is enforced: Linux's default 100 ms. (A 20 ms period was
 * measured too: it did not change the 128 MB results beyond noise.)
 */
export const CPU_PERIOD_MICROS = 100_000

export const vcpusFor = (memoryMb: number): number => memoryMb / MB_PER_VCPU

/** The CFS quota (µs per period) that gives `memoryMb`'s share of CPU. */
export const cpuQuotaMicros = (memoryMb: number, periodMicros = CPU_PERIOD_MICROS): number =>
  Math.max(1_000, Math.round(periodMicros * vcpusFor(memoryMb)))
