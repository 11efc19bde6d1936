// Stands in for node:crypto in the SDK's hashing (@smithy/core: the SigV4 signer's SHA-256 and
// HMAC, MD5 and SHA-1, random values), whose only uses are createHash, createHmac (update, digest,
// copy) and getRandomValues. Bun.CryptoHasher is the same native hashing; Bun's node:crypto is a
// JavaScript module compiled at first use, about 1 ms of a cold start (measured with node:stream,
// which it builds on, already loaded: the SDK loads that at init anyway).

type Algorithm = ConstructorParameters<typeof Bun.CryptoHasher>[0]
type Key = ConstructorParameters<typeof Bun.CryptoHasher>[1]

export const createHash = (algorithm: string) => new Bun.CryptoHasher(algorithm as Algorithm)

export const createHmac = (algorithm: string, key: Key) => new Bun.CryptoHasher(algorithm as Algorithm, key)

type IntegerArray = Exclude<NodeJS.TypedArray, Float32Array | Float64Array>

export const getRandomValues = <T extends IntegerArray>(array: T): T => crypto.getRandomValues(array)
