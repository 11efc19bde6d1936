import { writeSync } from "node:fs"

/**
 * Writes one log line to stdout synchronously, as the runtime writes its own: a line logged just
 * before the process exits is never lost, and a slow reader slows the writer instead of dropping
 * lines. It also spares the first invocation's log line loading node:stream, which Bun's
 * process.stdout is built on (~3 ms, more at 128 MB).
 */
export const writeStdoutLine = (line: string, fd = 1): void => {
  const bytes = Buffer.from(`${line}\n`)
  let offset = 0
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset)
    } catch (e) {
      if ((e as { code?: string }).code !== "EAGAIN") return // stdout closed: nothing left to tell
      Bun.sleepSync(1)
    }
  }
}
