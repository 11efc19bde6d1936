import { readFileSync, realpathSync } from "node:fs"
import { basename } from "node:path"

/**
 * What a cold start reads from disk: files are evicted from the page cache, a runtime starts, and
 * the pages then resident (util-linux `fincore`) are what it read, read-ahead included. Read-ahead
 * depends on the block device, so the pages the process itself mapped (/proc/PID/smaps) are
 * reported too.
 */

/** Parses `fincore --bytes --raw --noheadings --output RES,FILE`: resident bytes per file. */
export const parseFincore = (text: string): Map<string, number> => {
  const resident = new Map<string, number>()
  for (const line of text.split("\n")) {
    const match = /^\s*(\d+)\s+(.+?)\s*$/.exec(line)
    if (!match) continue
    // --raw escapes unsafe characters in names as \xHH.
    const file = match[2]!.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    resident.set(file, Number(match[1]))
  }
  return resident
}

/** Parses /proc/PID/smaps: resident bytes (Rss) per mapped file, all its mappings summed. */
export const parseSmapsRss = (text: string): Map<string, number> => {
  const rss = new Map<string, number>()
  let current: string | undefined
  for (const line of text.split("\n")) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+\s+\S+\s+\S+\s+\S+\s+\d+\s*(.*)$/.exec(line)
    if (mapping) {
      current = mapping[1]!.startsWith("/") ? mapping[1]! : undefined
      continue
    }
    const value = /^Rss:\s+(\d+) kB$/.exec(line)
    if (value && current) rss.set(current, (rss.get(current) ?? 0) + Number(value[1]) * 1024)
  }
  return rss
}

/** Drops the files' clean pages from the page cache (posix_fadvise DONTNEED, through GNU dd). */
export const evict = (files: ReadonlyArray<string>) => {
  for (const file of files) {
    const dd = Bun.spawnSync(["dd", `if=${file}`, "iflag=nocache", "count=0", "status=none"], { stderr: "pipe" })
    if (dd.exitCode !== 0) throw new Error(`could not evict ${file}: ${dd.stderr.toString()}`)
  }
}

/** Resident bytes of each file, by fincore. */
export const residentBytes = (files: ReadonlyArray<string>): Map<string, number> => {
  const command = ["fincore", "--bytes", "--raw", "--noheadings", "--output", "RES,FILE", ...files]
  const run = Bun.spawnSync(command, { stderr: "pipe" })
  if (run.exitCode !== 0) throw new Error(`fincore failed: ${run.stderr.toString()}`)
  return parseFincore(run.stdout.toString())
}

/** Bytes of each of `files` mapped into the process and resident (its own page faults). */
export const mappedBytes = (pid: number, files: ReadonlyArray<string>): Map<string, number> => {
  const rss = parseSmapsRss(readFileSync(`/proc/${pid}/smaps`, "utf8"))
  return new Map(files.map((f) => [f, rss.get(realpathSync(f)) ?? 0]))
}

/** The read-ahead of the block device holding `file`, in KB, when sysfs tells. */
export const readAheadKb = (file: string): number | undefined => {
  const findmnt = Bun.spawnSync(["findmnt", "--noheadings", "--output", "SOURCE", "--target", file])
  const source = findmnt.stdout.toString().trim()
  if (!source.startsWith("/dev/")) return undefined
  for (const dir of [`/sys/class/block/${basename(source)}`, `/sys/class/block/${basename(source)}/..`]) {
    try {
      return Number(readFileSync(`${dir}/queue/read_ahead_kb`, "utf8"))
    } catch {
      // a partition: its disk holds the queue
    }
  }
  return undefined
}

/** Whether this machine has what the measurement needs (fincore from util-linux, GNU dd). */
export const pageCacheToolsAvailable = () =>
  Bun.spawnSync(["fincore", "--version"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0 &&
  Bun.spawnSync(["dd", "--version"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0
