/**
 * AWS's own limits, written from AWS documentation independently of the Terraform that must obey them.
 */
export const SQS_MAX_VISIBILITY_SECONDS = 43_200
export const SQS_MAX_RETENTION_SECONDS = 1_209_600
/** SQS quotas: a message is 1 byte to 1,048,576 bytes (1 MiB), body and attributes together. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576

/** Lambda's SQS event source mapping: more than 10 records per batch only with a batching window. */
export const lambdaAcceptsBatch = (batchSize: number, windowSeconds: number) =>
  batchSize >= 1 && windowSeconds >= 0 && windowSeconds <= 300 &&
  (windowSeconds > 0 ? batchSize <= 10_000 : batchSize <= 10)

/** S3 general purpose bucket naming rules (Amazon S3 User Guide, "Bucket naming rules"). */
export const s3BucketNameProblems = (name: string): Array<string> => {
  const problems: Array<string> = []
  if (name.length < 3 || name.length > 63) problems.push("3 to 63 characters")
  if (!/^[a-z0-9.-]*$/.test(name)) problems.push("only lowercase letters, digits, dots and hyphens")
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) problems.push("begin and end with a letter or digit")
  if (name.includes("..")) problems.push("no two adjacent periods")
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) problems.push("not an IP address")
  for (const p of ["xn--", "sthree-", "amzn-s3-demo-"]) if (name.startsWith(p)) problems.push(`reserved prefix ${p}`)
  for (const s of ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]) {
    if (name.endsWith(s)) problems.push(`reserved suffix ${s}`)
  }
  return problems
}

/** Name limits of the other resources named from the prefix. */
export const NAME_RULES: Record<string, RegExp> = {
  function: /^[A-Za-z0-9_-]{1,64}$/, // Lambda FunctionName
  layer: /^[A-Za-z0-9_-]{1,140}$/, // Lambda LayerName
  live_alias: /^(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}$/, // Lambda alias Name
  input_queue: /^[A-Za-z0-9_-]{1,80}$/, // SQS QueueName (standard)
  output_queue: /^[A-Za-z0-9_-]{1,80}$/,
  dead_letter_queue: /^[A-Za-z0-9_-]{1,80}$/,
  table: /^[A-Za-z0-9_.-]{3,255}$/, // DynamoDB TableName
  role: /^[\w+=,.@-]{1,64}$/ // IAM RoleName
}
