import { readFileSync } from "node:fs"

// Stands in for node:fs/promises in the SDK's shared-ini-file-loader (@smithy/core), whose only
// use is `readFile(path, "utf8")` of ~/.aws/config and ~/.aws/credentials, once each per process,
// for every setting not found in the environment. On Lambda neither file exists. Bun's first
// asynchronous file read starts its I/O threads: 1 to 6 ms of a cold start, measured, for two
// small files. Read synchronously, the promise settles with the same value or the same error.

export const readFile = (path: string, encoding: BufferEncoding): Promise<string> => {
  try {
    return Promise.resolve(readFileSync(path, encoding))
  } catch (e) {
    return Promise.reject(e)
  }
}
