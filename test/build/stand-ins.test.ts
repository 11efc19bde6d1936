import { afterEach, describe, expect, test } from "bun:test"
import { rmSync, writeFileSync } from "node:fs"
import { readFile } from "node:fs/promises"
import * as zlib from "node:zlib"
import * as nodeCrypto from "node:crypto"
import fc from "fast-check"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import * as realHttp from "@smithy/node-http-handler"
import { FetchHttpHandler } from "@smithy/fetch-http-handler"
import * as realCredentials from "@aws-sdk/credential-provider-node"
import * as shimCredentials from "../../scripts/build/shims/credential-provider-node.ts"
import * as iniFileRead from "../../scripts/build/shims/ini-file-read.ts"
import * as zlibCrc32 from "../../scripts/build/shims/zlib-crc32.ts"
import * as cryptoHash from "../../scripts/build/shims/node-crypto-hash.ts"
import { SignatureV4 } from "@smithy/signature-v4"
import * as shimHttp from "../../scripts/build/shims/node-http-handler.ts"
import { bundleConfig } from "../../scripts/build/bundle.ts"
import { STAND_INS } from "../../scripts/build/stand-ins.ts"

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
    fc.assert(fc.property(bytes, bytes, fc.string(), (a, b, s) => {
      expect(zlibCrc32.crc32(a)).toBe(zlib.crc32(a))
      expect(zlibCrc32.crc32(b, zlibCrc32.crc32(a))).toBe(zlib.crc32(b, zlib.crc32(a)))
      expect(zlibCrc32.crc32(s)).toBe(zlib.crc32(s))
    }), { numRuns: 300 })
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
    fc.assert(fc.property(algorithm, fc.array(data, { maxLength: 4 }), key, (algorithm, chunks, key) => {
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
    }), { numRuns: 300 })
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

  test("getRandomValues fills the array it is given", () => {
    const bytes = cryptoHash.getRandomValues(new Uint8Array(32))
    expect(bytes.some((b) => b !== 0)).toBe(true)
  })
})

describe("the handler bundle", () => {
  test("uses every stand-in", async () => {
    const entry = resolve(import.meta.dir, "../../src/handler.ts")
    const result = await Bun.build({ ...bundleConfig(entry, "handler.js"), bytecode: false, metafile: true })
    expect(result.success).toBe(true)
    const inputs = Object.keys(Object.values(result.metafile!.outputs)[0]!.inputs).map((p) => resolve(p))
    for (const standIn of STAND_INS) expect(inputs).toContain(standIn.shim)
  }, 30_000)
})
