import { expect, test } from "bun:test"
import { closeSync, openSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { writeStdoutLine } from "../../src/log/stdout-line.ts"

test("writes each line whole and synchronously, newline-terminated, large lines included", () => {
  const file = join(tmpdir(), `stdout-line-${process.pid}.log`)
  const fd = openSync(file, "w")
  try {
    const big = "é".repeat(200_000)
    writeStdoutLine("{\"message\":\"one\"}", fd)
    writeStdoutLine(big, fd)
    // Synchronous: on disk before the call returns, nothing left in a buffer to lose at exit.
    expect(readFileSync(file, "utf8")).toBe(`{"message":"one"}\n${big}\n`)
  } finally {
    closeSync(fd)
    rmSync(file, { force: true })
  }
})

test("a closed stdout is not an error: the line is dropped, the caller goes on", () => {
  const fd = openSync(join(tmpdir(), `stdout-line-closed-${process.pid}.log`), "w")
  closeSync(fd)
  rmSync(join(tmpdir(), `stdout-line-closed-${process.pid}.log`), { force: true })
  expect(() => writeStdoutLine("lost", fd)).not.toThrow()
})
