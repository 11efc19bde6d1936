import { type AwsError, AwsPermanentError, AwsTransientError } from "../domain/errors.ts"

// Error codes AWS documents as retryable for DynamoDB and SQS (throttling and server-side faults).
const TRANSIENT_CODES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "LimitExceededException",
  "InternalServerError",
  "InternalFailure",
  "InternalError",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "KMSThrottlingException",
  // SQS's name for its queue's KMS key being throttled (a 400 the SDK does not mark retryable).
  "KmsThrottled",
  "TransactionInProgressException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  // The answer's x-amz-crc32 does not match its body (see crc32-check.ts): damaged on the way.
  "CRC32CheckFailed"
])

// Node/Bun socket-level failures: the request may not have reached AWS at all, or its answer was
// lost on the way. Bun's fetch names a malformed or cut-off answer InvalidHTTPResponse,
// Malformed_HTTP_Response or UnexpectedEOF; Node's HTTP parser HPE_*, undici UND_ERR_*.
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ECONNABORTED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ConnectionRefused",
  "ConnectionClosed",
  "FailedToOpenSocket",
  "InvalidHTTPResponse",
  "Malformed_HTTP_Response",
  "UnexpectedEOF",
  "ERR_STREAM_PREMATURE_CLOSE"
])
const isNetworkCode = (code: string) =>
  NETWORK_CODES.has(code) || code.startsWith("HPE_") || code.startsWith("UND_ERR_")

// Permanent errors that concern the request as a whole (its target, its credentials), never one of
// its items: splitting the request to find a culprit would only multiply the same failure.
const REQUEST_WIDE_CODES = new Set([
  "ResourceNotFoundException",
  "AccessDeniedException",
  "AccessDenied",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "MissingAuthenticationTokenException",
  "ExpiredToken",
  "ExpiredTokenException",
  "RequestExpired",
  "NotAuthorized",
  "OptInRequired",
  "InvalidAddress",
  "InvalidSecurity",
  "UnknownOperationException",
  "QueueDoesNotExist",
  "NonExistentQueue",
  "KmsAccessDenied",
  "KmsDisabled",
  "KmsInvalidKeyUsage",
  "KmsInvalidState",
  "KmsNotFound",
  "KmsOptInRequired",
  // The SDK found no credentials (or token) to sign with: thrown before any request is sent.
  "CredentialsProviderError",
  "TokenProviderError"
])

// What @aws-sdk/middleware-sdk-sqs throws when an answer's MD5OfMessageBody does not match the body sent.
const SQS_MD5_MISMATCH = /^(Invalid MD5 checksum on messages: |InvalidChecksumError$)/

const shortCodeOf = (code: string) => code.slice(code.lastIndexOf(".") + 1)

/**
 * Whether a permanent failure of a multi-item request may be caused by some of its items (a
 * validation error, a value the client cannot serialise), so that splitting the request finds them.
 */
export const mayBlameItems = (error: AwsError): boolean =>
  error._tag === "AwsPermanentError" && !REQUEST_WIDE_CODES.has(shortCodeOf(error.code))

interface SdkLikeError {
  readonly name?: unknown
  readonly code?: unknown
  readonly message?: unknown
  readonly $metadata?: { readonly httpStatusCode?: unknown }
  readonly $retryable?: unknown
  readonly $response?: unknown
}

const asText = (u: unknown): string | undefined => (typeof u === "string" && u.length > 0 ? u : undefined)

/** Turns whatever the AWS SDK rejected with into a transient or permanent typed error. */
export const classifyAwsError = (operation: string, cause: unknown): AwsError => {
  const e = (typeof cause === "object" && cause !== null ? cause : {}) as SdkLikeError
  const code = asText(e.code) ?? asText(e.name) ?? "UnknownError"
  // SQS's JSON protocol can name errors by their query-compatible code, e.g. AWS.SimpleQueueService.Throttling.
  const shortCode = shortCodeOf(code)
  const message = asText(e.message) ?? String(cause)
  const status = typeof e.$metadata?.httpStatusCode === "number" ? e.$metadata.httpStatusCode : undefined
  const transient = TRANSIENT_CODES.has(shortCode) ||
    isNetworkCode(code) ||
    e.$retryable !== undefined ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    isNetworkCode(asText((e as { cause?: { code?: unknown } }).cause?.code) ?? "") ||
    // The SDK could not parse the body of an answer it received (it attaches the raw $response):
    // a cut-off or damaged answer, not a refusal.
    (code === "SyntaxError" && e.$response !== undefined) ||
    // The SQS client's check of the MD5 SQS computed of each body failed: damaged on the way, as a
    // bad x-amz-crc32 is (the client throws a plain Error for it, after the request succeeded).
    SQS_MD5_MISMATCH.test(message)
  return transient
    ? new AwsTransientError({ operation, code, message })
    : new AwsPermanentError({ operation, code, message })
}

/** SQS reports per-entry failures with SenderFault: true for the caller's fault (permanent). */
export const entryError = (
  operation: string,
  entry: { Code?: string; Message?: string; SenderFault?: boolean }
): AwsError => {
  const fields = { operation, code: entry.Code ?? "UnknownError", message: entry.Message ?? "entry failed" }
  const transient = entry.SenderFault === false || (entry.SenderFault === undefined && TRANSIENT_CODES.has(fields.code))
  return transient ? new AwsTransientError(fields) : new AwsPermanentError(fields)
}
