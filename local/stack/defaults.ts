import { DEFAULT_MAX_CONCURRENCY } from "../../src/config.ts"

/**
 * The stack's names and settings: the single source of truth shared by the local stack and
 * checked against terraform/variables.tf by the Terraform tests.
 */
export const STACK_DEFAULTS = {
  prefix: "bun-sqs-lambda",
  functionTimeoutSeconds: 30,
  memorySizeMb: 1024,
  batchSize: 10,
  batchingWindowSeconds: 0,
  maximumConcurrency: 10,
  maxReceiveCount: 5,
  /** Input queue retention: 4 days (the SQS default). */
  messageRetentionSeconds: 345_600,
  /** DLQ retention: 14 days, the maximum, so it outlives anything redriven from the source. */
  deadLetterRetentionSeconds: 1_209_600,
  maxConcurrencyInFunction: DEFAULT_MAX_CONCURRENCY
} as const

/** AWS's rule: the source queue's visibility timeout at least 6x the function timeout plus the batching window. */
export const visibilityTimeoutSeconds = (functionTimeoutSeconds: number, batchingWindowSeconds: number) =>
  6 * functionTimeoutSeconds + batchingWindowSeconds

export const resourceNames = (prefix: string = STACK_DEFAULTS.prefix) => ({
  table: `${prefix}-products`,
  inputQueue: `${prefix}-input`,
  outputQueue: `${prefix}-output`,
  deadLetterQueue: `${prefix}-dlq`,
  function: `${prefix}-handler`
})
