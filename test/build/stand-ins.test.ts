import * as realCredentials from "@aws-sdk/credential-provider-node"
import { streamCollector as realStreamCollector } from "@smithy/core/serde"
import { FetchHttpHandler } from "@smithy/fetch-http-handler"
import * as realHttp from "@smithy/node-http-handler"
import { SignatureV4 } from "@smithy/signature-v4"
import { afterEach, beforeAll, describe, expect, test } from "bun:test"
import fc from "fast-check"
import * as nodeCrypto from "node:crypto"
import { rmSync, writeFileSync } from "node:fs"
import { readFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { PassThrough, Readable, Writable } from "node:stream"
import * as zlib from "node:zlib"
import { bundleConfig } from "../../scripts/build/bundle.ts"
import * as shimCredentials from "../../scripts/build/shims/credential-provider-node.ts"
import * as iniFileRead from "../../scripts/build/shims/ini-file-read.ts"
import * as cryptoHash from "../../scripts/build/shims/node-crypto-hash.ts"
import * as shimHttp from "../../scripts/build/shims/node-http-handler.ts"
import * as collectorWritable from "../../scripts/build/shims/stream-collector-writable.ts"
import * as streamingPayload from "../../scripts/build/shims/streaming-payload-readable.ts"
import * as zlibCrc32 from "../../scripts/build/shims/zlib-crc32.ts"
import { STAND_INS } from "../../scripts/build/stand-ins.ts"

const SHIMS = resolve(import.meta.dir, "../../scripts/build/shims")

// The stand-ins the bundles use for SDK modules they load only when really needed
// (scripts/build/stand-ins.ts): same answers as the real modules.

describe("node-http-handler stand-in", () => {
  test("exports what the real module exports, the re-exported values identical", () => {
    const names = (m: object) => Object.keys(m).filter((k) => k !== "default").sort()
    expect(names(shimHttp)).toEqual(names(realHttp))
    expect(shimHttp.streamCollector).toBe(realHttp.streamCollector)
    expect(shimHttp.DEFAULT_REQUEST_TIMEOUT).toBe(realHttp.DEFAULT_REQUEST_TIMEOUT)
  })

  test("create hands back a handler it is given, as the real one does", () => {
    const fetchHandler = new FetchHttpHandler()
    expect(shimHttp.NodeHttpHandler.create(fetchHandler)).toBe(fetchHandler)
    expect(realHttp.NodeHttpHandler.create(fetchHandler)).toBe(fetchHandler)
    expect(shimHttp.NodeHttp2Handler.create(fetchHandler)).toBe(fetchHandler)
  })

  test("anything else gets the real Node.js handler", () => {
    expect(shimHttp.NodeHttpHandler.create({ connectionTimeout: 5 })).toBeInstanceOf(realHttp.NodeHttpHandler)
    expect(shimHttp.NodeHttpHandler.create()).toBeInstanceOf(realHttp.NodeHttpHandler)
    expect(new shimHttp.NodeHttpHandler({ requestTimeout: 5 })).toBeInstanceOf(realHttp.NodeHttpHandler)
    expect(new shimHttp.NodeHttp2Handler()).toBeInstanceOf(realHttp.NodeHttp2Handler)
  })
})

describe("credential-provider-node stand-in", () => {
  const saved = { ...process.env }
  afterEach(() => {
    const keys = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]
    for (const k of [...keys, "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"]) {
      if (saved[k] === undefined) delete process.env[k]
      else process.env[k] = saved[k]
    }
  })
  const setKeys = () => {
    process.env.AWS_ACCESS_KEY_ID = "AKIDSHIM"
    process.env.AWS_SECRET_ACCESS_KEY = "secret"
    process.env.AWS_SESSION_TOKEN = "token"
    delete process.env.AWS_PROFILE
  }

  test("exports what the real module exports", () => {
    const names = (m: object) => Object.keys(m).filter((k) => k !== "default").sort()
    expect(names(shimCredentials)).toEqual(names(realCredentials))
  })

  test("static keys in the environment, no profile: the environment's credentials, as on Lambda", async () => {
    setKeys()
    const credentials = await shimCredentials.defaultProvider()()
    expect(credentials).toMatchObject({ accessKeyId: "AKIDSHIM", secretAccessKey: "secret", sessionToken: "token" })
  })

  test("a profile asked for (AWS_PROFILE or init.profile): the real chain, which skips the environment", async () => {
    setKeys()
    process.env.AWS_CONFIG_FILE = "/nonexistent/config"
    process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/credentials"
    // The real chain refuses the environment's keys when a profile is set, then finds no such profile.
    const quiet = { debug() {}, info() {}, warn() {}, error() {} }
    await expect(shimCredentials.defaultProvider({ profile: "no-such-profile", logger: quiet })()).rejects.toThrow()
    process.env.AWS_PROFILE = "no-such-profile"
    await expect(shimCredentials.defaultProvider()()).rejects.toThrow()
  }, 15_000)

  test("no keys in the environment: the real chain", async () => {
    delete process.env.AWS_ACCESS_KEY_ID
    delete process.env.AWS_SECRET_ACCESS_KEY
    process.env.AWS_CONFIG_FILE = "/nonexistent/config"
    process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/credentials"
    process.env.AWS_EC2_METADATA_DISABLED = "true"
    try {
      await expect(shimCredentials.defaultProvider()()).rejects.toThrow(/credentials|metadata/i)
    } finally {
      delete process.env.AWS_EC2_METADATA_DISABLED
    }
  }, 15_000)

  test("the expiry helpers are the real ones' answers", () => {
    const soon = { accessKeyId: "a", secretAccessKey: "b", expiration: new Date(Date.now() + 1_000) }
    expect(shimCredentials.credentialsTreatedAsExpired(soon)).toBe(true)
    expect(shimCredentials.credentialsWillNeedRefresh({ accessKeyId: "a", secretAccessKey: "b" })).toBe(false)
  })
})

describe("ini file read stand-in", () => {
  test("settles as fs/promises readFile does: the text, or the same error", async () => {
    const file = join(tmpdir(), `ini-${process.pid}`)
    writeFileSync(file, "[default]\nregion = eu-west-1\n")
    try {
      expect(await iniFileRead.readFile(file, "utf8")).toBe(await readFile(file, "utf8"))
    } finally {
      rmSync(file)
    }
    const missing = join(tmpdir(), "no-such-dir", "config")
    const real = await readFile(missing, "utf8").catch((e: NodeJS.ErrnoException) => e)
    const ours = await iniFileRead.readFile(missing, "utf8").catch((e: NodeJS.ErrnoException) => e)
    expect(ours).toBeInstanceOf(Error)
    expect((ours as NodeJS.ErrnoException).code).toBe((real as NodeJS.ErrnoException).code!)
    expect((ours as NodeJS.ErrnoException).path).toBe(missing)
  })
})

describe("zlib CRC-32 stand-in", () => {
  test("the same values as zlib.crc32, whole or continued from a previous value, for bytes and strings", () => {
    const bytes = fc.uint8Array({ maxLength: 2048 })
    fc.assert(
      fc.property(bytes, bytes, fc.string(), (a, b, s) => {
        expect(zlibCrc32.crc32(a)).toBe(zlib.crc32(a))
        expect(zlibCrc32.crc32(b, zlibCrc32.crc32(a))).toBe(zlib.crc32(b, zlib.crc32(a)))
        expect(zlibCrc32.crc32(s)).toBe(zlib.crc32(s))
      }),
      { numRuns: 300 }
    )
    expect(zlibCrc32.crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926) // the CRC-32 check value
  })
})

describe("node:crypto hashing stand-in", () => {
  const buffer = (maxLength: number, minLength = 0) =>
    fc.uint8Array({ minLength, maxLength }).map((u) => Buffer.from(u))
  const data = fc.oneof(fc.string(), fc.uint8Array({ maxLength: 1024 }), buffer(64))
  const key = fc.oneof(fc.string({ minLength: 1 }), buffer(80, 1))

  test("createHash and createHmac digest as node:crypto's do, chunk by chunk, copies included", () => {
    const algorithm = fc.constantFrom("sha256", "md5", "sha1")
    fc.assert(
      fc.property(algorithm, fc.array(data, { maxLength: 4 }), key, (algorithm, chunks, key) => {
        const ours = cryptoHash.createHash(algorithm)
        const theirs = nodeCrypto.createHash(algorithm)
        const oursMac = cryptoHash.createHmac(algorithm, key)
        const theirsMac = nodeCrypto.createHmac(algorithm, key)
        for (const chunk of chunks) {
          ours.update(chunk)
          theirs.update(chunk)
          oursMac.update(chunk)
          theirsMac.update(chunk)
        }
        expect(Buffer.from(ours.copy().digest()).equals(theirs.copy().digest())).toBe(true)
        expect(ours.digest("hex")).toBe(theirs.digest("hex"))
        expect(Buffer.from(oursMac.digest()).equals(theirsMac.digest())).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  test("a SigV4 signature over the stand-in equals the one over node:crypto", async () => {
    type Hasher = { update: (d: Uint8Array | string) => unknown; digest: () => Uint8Array }
    type Lib = { createHash: (a: string) => Hasher; createHmac: (a: string, k: Buffer) => Hasher }
    const sha256 = (lib: Lib) =>
      class {
        private readonly hash
        constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
          const key = typeof secret === "string"
            ? Buffer.from(secret)
            : ArrayBuffer.isView(secret)
            ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
            : secret && Buffer.from(secret)
          this.hash = key ? lib.createHmac("sha256", key) : lib.createHash("sha256")
        }
        update(data: Uint8Array | string) {
          this.hash.update(data)
        }
        async digest() {
          return new Uint8Array(this.hash.digest())
        }
      }
    const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token" }
    const host = "dynamodb.eu-west-1.amazonaws.com"
    const target = "DynamoDB_20120810.BatchGetItem"
    const headers = { host, "x-amz-target": target, "content-type": "application/x-amz-json-1.0" }
    const body = `{"RequestItems":{}}`
    const request = { method: "POST", protocol: "https:", hostname: host, path: "/", query: {}, headers, body }
    const sign = (lib: Lib) =>
      new SignatureV4({ service: "dynamodb", region: "eu-west-1", credentials, sha256: sha256(lib) })
        .sign(request, { signingDate: new Date("2026-11-27T12:00:00Z") })
    const ours = await sign(cryptoHash as unknown as Lib)
    const theirs = await sign(nodeCrypto as unknown as Lib)
    expect(ours.headers.authorization).toBe(theirs.headers.authorization)
    expect(ours.headers.authorization).toMatch(/Signature=[0-9a-f]{64}$/)
  })

  test("non-ASCII and lone-surrogate strings, views into larger buffers, Uint8Array and empty keys", () => {
    const view = fc.tuple(fc.uint8Array({ maxLength: 256 }), fc.nat(64), fc.nat(64))
      .map(([u, a, b]) => u.subarray(Math.min(a, u.length), Math.max(Math.min(a, u.length), u.length - b)))
    const text = fc.string({ unit: "binary", maxLength: 64 })
    const chunk = fc.oneof(text, view)
    const anyKey = fc.oneof(text, view, fc.constant(new Uint8Array(0)))
    const algorithm = fc.constantFrom("sha256", "md5", "sha1")
    fc.assert(
      fc.property(algorithm, fc.array(chunk, { maxLength: 4 }), anyKey, (algorithm, chunks, key) => {
        const ours = cryptoHash.createHash(algorithm)
        const theirs = nodeCrypto.createHash(algorithm)
        const oursMac = cryptoHash.createHmac(algorithm, key)
        const theirsMac = nodeCrypto.createHmac(algorithm, key)
        for (const c of chunks) [ours, theirs, oursMac, theirsMac].forEach((h) => h.update(c))
        expect(ours.digest("hex")).toBe(theirs.digest("hex"))
        expect(oursMac.digest("hex")).toBe(theirsMac.digest("hex"))
        const crc = chunks.reduce((v: number, c) => zlibCrc32.crc32(c, v), 0)
        expect(crc).toBe(chunks.reduce((v: number, c) => zlib.crc32(c, v), 0))
      }),
      { numRuns: 500 }
    )
  })

  test("getRandomValues fills the array it is given", () => {
    const bytes = cryptoHash.getRandomValues(new Uint8Array(32))
    expect(bytes.some((b) => b !== 0)).toBe(true)
  })
})

describe("the SDK's hashing as bundled (its own classes on the stand-ins)", () => {
  // AWS's SigV4 test suite (get-vanilla, post-vanilla): fixed inputs, published signatures.
  const vanilla = {
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    date: new Date("2015-08-30T12:36:00Z"),
    signatures: {
      GET: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
      POST: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
    }
  }
  type Hashing = { update(d: Uint8Array | string): void; digest(): Promise<Uint8Array> }
  type Hasher = new(secret?: string | Uint8Array) => Hashing
  type Signer = { sign(r: object, o: object): Promise<{ headers: Record<string, string> }> }
  interface Bundled {
    SignatureV4: new(o: object) => Signer
    Sha256: Hasher
    Md5: Hasher
    Crc32: new() => { update(d: Uint8Array): void; digestSync(): number }
    Hash: new(algorithm: string, secret?: string | Uint8Array) => InstanceType<Hasher>
  }
  let bundled: Bundled
  let shipped: Array<string>

  beforeAll(async () => {
    const entry = resolve(import.meta.dir, "../fixtures/sdk-hashing.ts")
    const result = await Bun.build({ ...bundleConfig(entry, "sdk-hashing.js"), bytecode: false, metafile: true })
    expect(result.success).toBe(true)
    shipped = Object.keys(Object.values(result.metafile!.outputs)[0]!.inputs).map((p) => resolve(p))
    const file = join(tmpdir(), `sdk-hashing-${process.pid}.cjs`)
    writeFileSync(file, await result.outputs[0]!.text())
    try {
      bundled = require(file)
    } finally {
      rmSync(file)
    }
  }, 30_000)

  test("is built on the stand-ins", () => {
    for (const name of ["node-crypto-hash.ts", "zlib-crc32.ts"]) expect(shipped).toContain(resolve(SHIMS, name))
  })

  test("its SigV4 signer gives the published signatures of AWS's test suite", async () => {
    for (const method of ["GET", "POST"] as const) {
      const host = "example.amazonaws.com"
      const request = { method, protocol: "https:", hostname: host, path: "/", query: {}, headers: { host } }
      const signer = new bundled.SignatureV4({
        service: "service",
        region: "us-east-1",
        credentials: vanilla.credentials,
        sha256: bundled.Sha256,
        applyChecksum: false
      })
      const signed = await signer.sign(request, { signingDate: vanilla.date })
      expect(signed.headers.authorization).toBe(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
          `SignedHeaders=host;x-amz-date, Signature=${vanilla.signatures[method]}`
      )
    }
  })

  test("Sha256 (plain and HMAC), Md5 (SQS's body check), Hash and Crc32 agree with node:crypto and node:zlib", () => {
    const text = fc.string({ unit: "binary", maxLength: 200 })
    const bytes = fc.uint8Array({ maxLength: 300 })
    const hex = (u: Uint8Array) => Buffer.from(u).toString("hex")
    return fc.assert(
      fc.asyncProperty(fc.oneof(text, bytes), fc.oneof(text, bytes), async (data, key) => {
        const utf8 = typeof data === "string" ? new TextEncoder().encode(data) : data
        const secret = typeof key === "string" ? key : key.length === 0 ? undefined : key
        const sha = new bundled.Sha256()
        sha.update(data)
        expect(hex(await sha.digest())).toBe(nodeCrypto.createHash("sha256").update(data).digest("hex"))
        if (secret !== undefined && secret !== "") {
          const mac = new bundled.Sha256(secret)
          mac.update(data)
          expect(hex(await mac.digest())).toBe(nodeCrypto.createHmac("sha256", secret).update(data).digest("hex"))
          const hashMac = new bundled.Hash("sha256", secret)
          hashMac.update(data)
          expect(hex(await hashMac.digest())).toBe(nodeCrypto.createHmac("sha256", secret).update(data).digest("hex"))
        }
        const md5 = new bundled.Md5()
        md5.update(utf8)
        expect(hex(await md5.digest())).toBe(nodeCrypto.createHash("md5").update(utf8).digest("hex"))
        const crc = new bundled.Crc32()
        crc.update(utf8)
        expect(crc.digestSync()).toBe(zlib.crc32(utf8))
      }),
      { numRuns: 300 }
    )
  })
})

describe("node:stream stand-ins", () => {
  test("the retry middleware's Readable answers instanceof as node:stream's does", () => {
    const values: Array<unknown> = [
      undefined,
      null,
      "body",
      42,
      new Uint8Array(3),
      Buffer.from("x"),
      new ArrayBuffer(2),
      {},
      { pipe() {} },
      Readable.from(["a"]),
      new PassThrough(),
      new Writable(),
      new ReadableStream(),
      new Blob(["b"])
    ]
    for (const v of values) expect(v instanceof streamingPayload.Readable).toBe(v instanceof Readable)
  })

  test("the stream collector's Writable is extended as the real one: piped Node.js streams are collected", async () => {
    class Collector extends (collectorWritable.Writable as unknown as typeof Writable) {
      chunks: Array<Buffer> = []
      override _write(chunk: Buffer, _encoding: string, callback: () => void) {
        this.chunks.push(chunk)
        callback()
      }
    }
    const collected = await new Promise<Buffer>((done, fail) => {
      const collector = new Collector()
      expect(collector).toBeInstanceOf(Writable)
      Readable.from([Buffer.from("ab"), Buffer.from("cd")]).pipe(collector)
        .on("finish", () => done(Buffer.concat(collector.chunks)))
        .on("error", fail)
    })
    expect(collected.toString()).toBe("abcd")
    expect(new Collector().chunks).toEqual([])
    expect(() => (collectorWritable.Writable as unknown as () => void)()).toThrow(TypeError)
  })

  test(
    "the SDK's stream collector as bundled collects Node.js streams, web streams and blobs as the real one",
    async () => {
      const entry = resolve(import.meta.dir, "../fixtures/sdk-streams.ts")
      const result = await Bun.build({ ...bundleConfig(entry, "sdk-streams.js"), bytecode: false, metafile: true })
      expect(result.success).toBe(true)
      const inputs = Object.keys(Object.values(result.metafile!.outputs)[0]!.inputs).map((p) => resolve(p))
      expect(inputs).toContain(resolve(SHIMS, "stream-collector-writable.ts"))
      const file = join(tmpdir(), `sdk-streams-${process.pid}.cjs`)
      writeFileSync(file, await result.outputs[0]!.text())
      let bundled: { streamCollector: typeof realStreamCollector }
      try {
        bundled = require(file)
      } finally {
        rmSync(file)
      }
      const bodies = () => [
        Readable.from([Buffer.from("node "), Buffer.from("stream")]),
        new Response("web stream").body!,
        new Blob(["blob"])
      ]
      const real = await Promise.all(bodies().map((b) => realStreamCollector(b)))
      const ours = await Promise.all(bodies().map((b) => bundled.streamCollector(b)))
      expect(ours.map((u) => Buffer.from(u).toString())).toEqual(["node stream", "web stream", "blob"])
      expect(ours.map((u) => Buffer.from(u).toString())).toEqual(real.map((u) => Buffer.from(u).toString()))
    },
    30_000
  )
})

describe("the handler bundle", () => {
  test("uses every stand-in", async () => {
    const entry = resolve(import.meta.dir, "../../src/handler.ts")
    const result = await Bun.build({ ...bundleConfig(entry, "handler.js"), bytecode: false, metafile: true })
    expect(result.success).toBe(true)
    const inputs = Object.keys(Object.values(result.metafile!.outputs)[0]!.inputs).map((p) => resolve(p))
    for (const standIn of STAND_INS) expect(inputs).toContain(standIn.shim)
  }, 30_000)

  test("loads neither node:zlib nor node:crypto at all (what the stand-ins save, not undone by src/)", async () => {
    const entry = resolve(import.meta.dir, "../../src/handler.ts")
    const result = await Bun.build({ ...bundleConfig(entry, "handler.js"), bytecode: false, minify: false })
    expect(result.success).toBe(true)
    const code = await result.outputs[0]!.text()
    expect(code.match(/require\(["'](node:)?(zlib|crypto)["']\)/g) ?? []).toEqual([])
  }, 30_000)
})
