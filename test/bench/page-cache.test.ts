import { describe, expect, test } from "bun:test"
import { realpathSync } from "node:fs"
import { parseFincore, parseSmapsRss } from "../../bench/page-cache.ts"

describe("parseFincore", () => {
  test("reads resident bytes per file, names unescaped", () => {
    const out = "105275392 /opt/bun\n0 /tmp/a\\x20b\n  8192 /var/task/handler.js\n\n"
    expect([...parseFincore(out)]).toEqual([["/opt/bun", 105275392], ["/tmp/a b", 0], ["/var/task/handler.js", 8192]])
  })

  test("skips lines that are not RES FILE (a header, an error)", () => {
    expect([...parseFincore("RES FILE\nfincore: failed to open: /x\n4096 /y\n")]).toEqual([["/y", 4096]])
  })
})

describe("parseSmapsRss", () => {
  const smaps = [
    "00200000-01a39000 r--p 00000000 fe:00 1234                       /opt/bun",
    "Size:              25060 kB",
    "Rss:                5120 kB",
    "Pss:                5120 kB",
    "01a40000-06849000 r-xp 01838000 fe:00 1234                       /opt/bun",
    "Rss:               18160 kB",
    "7f0000000000-7f0000100000 rw-p 00000000 00:00 0 ",
    "Rss:                1024 kB",
    "7f0000200000-7f0000300000 r--p 00000000 fe:00 99                 /usr/lib/x86_64-linux-gnu/libc.so.6",
    "Rss:                 160 kB",
    "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                  [stack]",
    "Rss:                  48 kB"
  ].join("\n")

  test("sums every mapping of a file, ignores anonymous and special mappings", () => {
    expect([...parseSmapsRss(smaps)]).toEqual([
      ["/opt/bun", 23280 * 1024],
      ["/usr/lib/x86_64-linux-gnu/libc.so.6", 160 * 1024]
    ])
  })

  test("the real smaps of this process names the executable", async () => {
    const rss = parseSmapsRss(await Bun.file("/proc/self/smaps").text())
    expect(rss.get(realpathSync("/proc/self/exe"))).toBeGreaterThan(0)
  })
})
