import { expect, test } from "bun:test"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { layerAtRef } from "../../bench/layer-at-ref.ts"

test("a git ref's layer sources unpacked as a checkout holds them: runtime/ and shared/, nothing else", () => {
  const root = resolve(import.meta.dir, "../..")
  const into = mkdtempSync(join(tmpdir(), "layer-at-ref-"))
  try {
    const dir = layerAtRef(root, "HEAD", into)
    expect(readFileSync(join(dir, "runtime/bootstrap"), "utf8")).toStartWith("#!/bin/sh")
    expect(existsSync(join(dir, "runtime/src/main.ts"))).toBe(true)
    expect(existsSync(join(dir, "shared/http1/answer-parser.ts"))).toBe(true)
    expect(existsSync(join(dir, "src"))).toBe(false)
  } finally {
    rmSync(into, { recursive: true, force: true })
  }
}, 10_000)
