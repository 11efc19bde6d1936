// Stands in for node:zlib in the SDK's CRC-32 checksum (@smithy/core Crc32Node), whose only use
// is `zlib.crc32(data, value)`. Bun's own CRC-32 gives the same values (a test checks) without
// loading node:zlib, a large JavaScript module in Bun: several ms of every cold start.

export const crc32 = (data: string | NodeJS.ArrayBufferView | ArrayBuffer, value = 0): number =>
  Bun.hash.crc32(data, value)
