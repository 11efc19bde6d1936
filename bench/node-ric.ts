import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * The product handler bundled for Node.js (ESM, minified) as `handler.mjs` in a new folder. Its
 * `__lambdaInit` export is awaited at the module's top level, which the Node.js runtime counts as init, as
 * the Bun runtime counts the export. `minify: false` keeps names and Bun's `// path` comments, for profiles.
 */
export const bundleForNode = (root: string, { minify = true } = {}): string => {
  const taskRoot = mkdtempSync(join(tmpdir(), "node-task-"))
  const source = join(root, "src", "handler.ts")
  const entry = join(taskRoot, "entry.ts")
  writeFileSync(
    entry,
    `import { __lambdaInit } from ${JSON.stringify(source)}\nexport { handler } from ${
      JSON.stringify(source)
    }\nawait __lambdaInit()\n`
  )
  const built = Bun.spawnSync([
    process.execPath,
    "build",
    entry,
    "--target",
    "node",
    "--format",
    "esm",
    ...(minify ? ["--minify"] : []),
    "--outfile",
    join(taskRoot, "handler.mjs")
  ], { cwd: root, stderr: "pipe" })
  if (built.exitCode !== 0) throw new Error(`bundling for Node failed: ${built.stderr.toString()}`)
  return taskRoot
}

/**
 * Sets up AWS's Node.js runtime interface client (npm aws-lambda-ric) in .cache/node-ric, with the
 * Debian build tools its native addon needs when the shipped one does not load. Returns the path of
 * a bootstrap that starts `node` (the one on PATH unless given; the addon is Node-API, so one build
 * loads in every version) on it, as a Node.js custom runtime would.
 */
export const setupNodeRic = (root: string, node = "node", version = "4.0.2"): string => {
  const dir = join(root, ".cache", "node-ric")
  const ric = join(dir, "node_modules", "aws-lambda-ric")
  const addon = JSON.stringify(join(ric, "rapid-client.node"))
  const probe = `process.env.AWS_LAMBDA_RUNTIME_API='127.0.0.1:9';require(${addon})`
  const loads = () => Bun.spawnSync([node, "-e", probe]).exitCode === 0
  if (!existsSync(join(ric, "package.json"))) {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true }))
    const install = Bun.spawnSync(["npm", "install", "--no-audit", "--no-fund", `aws-lambda-ric@${version}`], {
      cwd: dir,
      stdout: "inherit",
      stderr: "inherit"
    })
    if (install.exitCode !== 0) throw new Error("npm install aws-lambda-ric failed")
  }
  if (!loads()) {
    // Build the addon from source: needs autoconf, automake, libtool and cmake.
    if (process.getuid?.() === 0) {
      Bun.spawnSync([
        "sh",
        "-c",
        "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq autoconf automake libtool cmake"
      ], { stdout: "inherit", stderr: "inherit" })
    }
    const rebuild = Bun.spawnSync([
      "npm",
      "rebuild",
      "aws-lambda-ric",
      "--foreground-scripts",
      "--allow-scripts=aws-lambda-ric"
    ], { cwd: dir, stdout: "inherit", stderr: "inherit" })
    if (rebuild.exitCode !== 0 || !loads()) {
      throw new Error("aws-lambda-ric's native addon could not be built (needs autoconf automake libtool cmake)")
    }
  }
  const nodeVersion = Bun.spawnSync([node, "--version"]).stdout.toString().trim()
  const bootstrap = join(dir, `bootstrap-${nodeVersion}`)
  // As Lambda's managed Node.js runtime does, keep V8's old space inside the function's memory.
  const oldSpace = "$(( ${AWS_LAMBDA_FUNCTION_MEMORY_SIZE:-1024} * 9 / 10 ))"
  const command = `${node} --max-old-space-size=${oldSpace} ${join(ric, "index.mjs")} "$_HANDLER"`
  writeFileSync(bootstrap, `#!/bin/sh\nexec ${command}\n`)
  chmodSync(bootstrap, 0o755)
  return bootstrap
}
