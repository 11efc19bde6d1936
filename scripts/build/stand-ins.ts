import type { BunPlugin } from "bun"
import { join } from "node:path"

/**
 * Modules replaced in the bundles by a stand-in of ours (scripts/build/shims/) that does less at a
 * cold start and answers the same. `importer`, when set, limits the replacement to those importers.
 */
export interface StandIn {
  readonly specifier: string
  readonly importer?: RegExp
  readonly shim: string
}

const shim = (name: string) => join(import.meta.dir, "shims", name)

// The @smithy/core modules that import node:crypto.
const CRYPTO_IMPORTERS = [
  "serde/index.js",
  "serde/hash-node/hash-node.js",
  "checksum/sha256/Sha256Node.js",
  "checksum/md5/Md5Node.js",
  "config/shared-ini-file-loader/getSSOTokenFilepath.js"
]
const smithyCore = (paths: ReadonlyArray<string>) => {
  const path = (p: string) => p.replace(/[.]/g, "\\.").replace(/\//g, "[\\\\/]")
  return new RegExp(`[\\\\/]@smithy[\\\\/]core[\\\\/]dist-es[\\\\/]submodules[\\\\/](${paths.map(path).join("|")})$`)
}

export const STAND_INS: ReadonlyArray<StandIn> = [
  // Loaded only when used: the Node.js transport (node:http, https, http2) and the full credential chain.
  { specifier: "@smithy/node-http-handler", shim: shim("node-http-handler.ts") },
  { specifier: "@aws-sdk/credential-provider-node", shim: shim("credential-provider-node.ts") },
  // The SDK's reads of ~/.aws/config and ~/.aws/credentials, synchronous.
  {
    specifier: "node:fs/promises",
    importer: smithyCore(["config/shared-ini-file-loader/readFile.js"]),
    shim: shim("ini-file-read.ts")
  },
  // The SDK's hashing on Bun.CryptoHasher, without node:crypto.
  { specifier: "node:crypto", importer: smithyCore(CRYPTO_IMPORTERS), shim: shim("node-crypto-hash.ts") },
  // The retry middleware's `body instanceof Readable`, without loading node:stream for bodies that are strings.
  {
    specifier: "node:stream",
    importer: smithyCore(["retry/middleware-retry/isStreamingPayload/isStreamingPayload.js"]),
    shim: shim("streaming-payload-readable.ts")
  },
  // The stream collector's Collector (for Node.js stream bodies), node:stream loaded when one is first collected.
  {
    specifier: "node:stream",
    importer: smithyCore(["serde/util-stream/stream-collector.js"]),
    shim: shim("stream-collector-writable.ts")
  },
  // The SDK's CRC-32 on Bun's, without node:zlib.
  { specifier: "node:zlib", importer: smithyCore(["checksum/crc32/Crc32Node.js"]), shim: shim("zlib-crc32.ts") }
]
// Bun resolves node: built-ins before plugins see them: a stand-in for one is put into its
// importer's source, which must import it exactly so (the build fails otherwise).

/**
 * The packages the stand-ins load when really needed. The bundles leave them out (external) and
 * ship each, bundled on its own, as node_modules/<package>/index.js beside them, where require
 * finds it: a cold start neither reads nor evaluates them.
 */
export const LAZY_PACKAGES = STAND_INS.map((s) => s.specifier).filter((s) => !s.startsWith("node:"))

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
const shims = new Set(STAND_INS.map((s) => s.shim))

/** Resolves each of STAND_INS to its stand-in, except from a stand-in itself, which gets the real module. */
export const standIns: BunPlugin = {
  name: "stand-ins",
  setup(build) {
    for (const standIn of STAND_INS.filter((s) => s.specifier.startsWith("node:"))) {
      build.onLoad({ filter: standIn.importer! }, async (args) => {
        const source = await Bun.file(args.path).text()
        const from = `from "${standIn.specifier}";`
        if (!source.includes(from)) {
          throw new Error(`${args.path} no longer imports ${standIn.specifier}: review its stand-in`)
        }
        return { contents: source.replace(from, `from ${JSON.stringify(standIn.shim)};`), loader: "js" }
      })
    }
    const specifiers = [...new Set(STAND_INS.filter((s) => !s.specifier.startsWith("node:")).map((s) => s.specifier))]
    build.onResolve({ filter: new RegExp(`^(${specifiers.map(escape).join("|")})$`) }, (args) => {
      if (shims.has(args.importer)) return undefined
      const standIn = STAND_INS.find((s) => s.specifier === args.path && (s.importer?.test(args.importer) ?? true))
      return standIn ? { path: standIn.shim } : undefined
    })
  }
}
