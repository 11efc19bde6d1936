/**
 * Preloaded by `npm run test:arm64`: installs qemu-user if needed (scripts/install-emulator.sh),
 * builds the arm64 layer and function, and unpacks them as Lambda would, runnable here under
 * qemu-user. The runtime conformance tests then start this layer's bootstrap (RUNTIME_BOOTSTRAP).
 */
import { setDefaultTimeout } from "bun:test"
import { join, resolve } from "node:path"
import { hostArch } from "../../scripts/build/emulation.ts"
import { unpackArtefacts } from "../../scripts/build/unpack.ts"
import { scratchDir } from "../build/scratch.ts"

const ROOT = resolve(import.meta.dir, "../..")
// Under emulation a conformance test that takes a second natively can take 15 s on a loaded core.
// Bun 1.4.5 applies a preload's setDefaultTimeout to the first test file only, so the npm script
// also passes --timeout 120000, which the later files get.
setDefaultTimeout(120_000)
const work = scratchDir("arm64-suite")

if (hostArch() !== "arm64") {
  const installer = join(ROOT, "scripts/install-emulator.sh")
  const install = Bun.spawnSync(["sh", installer], { stdout: "inherit", stderr: "inherit" })
  if (install.exitCode !== 0) {
    throw new Error("the arm64 suite needs qemu-user and libc6-arm64-cross (see above); nothing was run")
  }
}
const started = performance.now()
const dist = join(work, "dist")
const build = Bun.spawnSync([process.execPath, "scripts/build.ts", "--arch", "arm64", "--out", dist], {
  cwd: ROOT,
  stdout: "pipe",
  stderr: "pipe"
})
if (build.exitCode !== 0) throw new Error(`building the arm64 artefacts failed: ${build.stderr.toString()}`)
const fn = unpackArtefacts(dist, "arm64", join(work, "lambda"))
process.env.RUNTIME_BOOTSTRAP = fn.bootstrap
process.env.ARM64_TASK_ROOT = fn.taskRoot
const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.log(
  `arm64 suite: built and unpacked the arm64 layer and function in ${seconds} s` +
    (fn.emulated ? "; its Bun runs under qemu-user, so every cold start takes seconds" : "")
)
