type Algorithm = "sha256" | "md5"
type Data = string | ArrayBuffer | ArrayBufferView

/**
 * The SDK's hash (SigV4's SHA-256 and HMAC, SQS's MD5 check of each message sent) on Bun.CryptoHasher
 * directly. The SDK's own (@smithy/core's Sha256 and Md5, over node:crypto, which the build stands in by
 * Bun.CryptoHasher) copies every input into a Buffer first (Buffer.from of a string, of a view's bytes)
 * and wraps the hasher twice: JavaScript that JavaScriptCore's baseline tier runs several times slower than
 * V8 (bench/hot-path's profile, per read invocation: fromString 16 µs on Bun, 0.4 on Node.js). Bun.CryptoHasher
 * takes strings and bytes as they are; the digests are the same bytes (test/unit/bun-hash.test.ts).
 */
export class BunHash {
  private hasher!: Bun.CryptoHasher

  constructor(private readonly algorithm: Algorithm, private readonly secret?: Data) {
    this.reset()
  }

  update(data: Data, encoding?: "utf8" | "ascii" | "latin1" | "binary" | "base64" | "hex"): void {
    if (typeof data === "string") this.hasher.update(data, encoding as never)
    else this.hasher.update(data instanceof Uint8Array ? data : bytesOf(data))
  }

  // As the SDK's (Sha256Node): a plain hash digests a copy, so that it can go on; an HMAC digests once.
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.secret ? this.hasher.digest() : this.hasher.copy().digest())
  }

  reset(): void {
    // As the SDK's: an empty secret is no secret.
    const secret = this.secret
    if (!secret) this.hasher = new Bun.CryptoHasher(this.algorithm)
    else {
      const key = typeof secret === "string" || secret instanceof Uint8Array ? secret : bytesOf(secret)
      this.hasher = new Bun.CryptoHasher(this.algorithm, key)
    }
  }
}

const bytesOf = (data: Exclude<Data, string>): Uint8Array =>
  data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)

/** A hash constructor, as the SDK's clients take it (@smithy/types' ChecksumConstructor). */
type HashConstructor = new(secret?: Data) => BunHash

/** The clients' hashing on Bun (BunHash); elsewhere the SDK's default. */
export const bunHashing = (): { sha256?: HashConstructor; md5?: HashConstructor } =>
  process.versions.bun
    ? { sha256: BunHash.bind(null, "sha256"), md5: BunHash.bind(null, "md5") }
    : {}
