import { spawn, spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs"
import { type AddressInfo, createServer } from "node:net"
import { join, resolve } from "node:path"

/**
 * AWS's own DynamoDB Local (Java), fetched on demand: its jar ships inside the npm package
 * amplify-dynamodb-simulator, which is packed (not installed: it has hundreds of dependencies)
 * into .cache/ and unpacked there once.
 */
const SIMULATOR = "amplify-dynamodb-simulator@2.9.30"
/** SHA-256 of its emulator/DynamoDBLocal.jar (DynamoDB Local 1.25.1); npm checks the tarball's integrity. */
const JAR_SHA256 = "454305e9bc3e6ebcca5b62569869e31563b8d7e346474e94557b2600702146c7"
const CACHE = resolve(import.meta.dir, "../../.cache/dynamodb-local")
const HOME = join(CACHE, SIMULATOR.replace("@", "-"))

/** Thrown when DynamoDB Local cannot run here: says what is missing and how to get it. */
export class DynamoDbLocalUnavailable extends Error {
  override readonly name = "DynamoDbLocalUnavailable"
}

const run = (command: string, args: ReadonlyArray<string>, cwd: string) => {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" })
  if (result.error || result.status !== 0) {
    const why = result.error?.message ?? result.stderr.trim()
    throw new DynamoDbLocalUnavailable(`${command} ${args.join(" ")} failed: ${why}`)
  }
  return result.stdout
}

/** Java 17 or later, or a DynamoDbLocalUnavailable saying so. Returns the major version. */
const checkJava = (): number => {
  const result = spawnSync("java", ["-version"], { encoding: "utf8" })
  if (result.error) {
    throw new DynamoDbLocalUnavailable(
      "java is not on the PATH: DynamoDB Local needs Java 17 or later " +
        "(Debian: apt-get install -y openjdk-17-jre-headless)"
    )
  }
  const major = Number(/version "(\d+)/.exec(`${result.stderr}${result.stdout}`)?.[1] ?? 0)
  if (major < 17) {
    const found = major || "(unknown version)"
    throw new DynamoDbLocalUnavailable(`java ${found} found: DynamoDB Local needs Java 17 or later`)
  }
  return major
}

/** The folder holding DynamoDBLocal.jar and DynamoDBLocal_lib, fetched and checked on first use. */
const ensureJar = (): string => {
  const emulator = join(HOME, "package", "emulator")
  const jar = join(emulator, "DynamoDBLocal.jar")
  if (!existsSync(jar)) {
    rmSync(HOME, { recursive: true, force: true })
    mkdirSync(HOME, { recursive: true })
    const packed = run("npm", ["pack", SIMULATOR, "--silent", "--pack-destination", HOME], HOME)
    const tarball = packed.trim().split("\n").pop()!
    run("tar", ["xzf", tarball, "package/emulator/DynamoDBLocal.jar", "package/emulator/DynamoDBLocal_lib"], HOME)
    rmSync(join(HOME, tarball))
  }
  // A damaged unpack or another jar under the same name fails here rather than in a test.
  const actual = createHash("sha256").update(readFileSync(jar)).digest("hex")
  if (actual !== JAR_SHA256) {
    const advice = `delete ${HOME} to fetch it again`
    throw new DynamoDbLocalUnavailable(`${jar}: SHA-256 ${actual}, expected ${JAR_SHA256}; ${advice}`)
  }
  return emulator
}

const freePort = () =>
  new Promise<number>((resolvePort, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolvePort(port))
    })
    server.on("error", reject)
  })

export interface DynamoDbLocal {
  readonly url: string
  readonly version: string
  readonly stop: () => Promise<void>
}

/**
 * Starts DynamoDB Local in memory on a free loopback port and waits until it answers. -sharedDb:
 * one database whatever the credentials and region (otherwise it keeps one per access key and region).
 */
export const startDynamoDbLocal = async (): Promise<DynamoDbLocal> => {
  checkJava()
  const emulator = ensureJar()
  const port = await freePort()
  const args = ["-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar", "-inMemory", "-sharedDb"]
  args.push("-port", String(port))
  const child = spawn("java", args, { cwd: emulator, stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  child.stdout.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr.on("data", (d: Buffer) => (output += d.toString()))
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)))
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM")
      await exited
    }
  }
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) {
      throw new DynamoDbLocalUnavailable(`DynamoDB Local exited with ${child.exitCode}: ${output.trim()}`)
    }
    // Any HTTP answer (400 for an unsigned request) means it is listening.
    const up = await fetch(url, { method: "POST" }).then(() => true, () => false)
    if (up) break
    if (Date.now() > deadline) {
      await stop()
      throw new DynamoDbLocalUnavailable(`DynamoDB Local did not answer on ${url} within 30 s: ${output.trim()}`)
    }
    await Bun.sleep(100)
  }
  return { url, version: /Version:\s*(\S+)/.exec(output)?.[1] ?? "unknown", stop }
}
