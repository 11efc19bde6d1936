import { join } from "node:path"

const RUNNER = join(import.meta.dir, "hot-path-runner.ts")

/**
 * How bench/hot-path-runner.ts is started on a function bundle (its CASE INVOCATIONS WARMUP OUT follow): Bun as
 * the layer's bootstrap starts it (no auto-install, no .env, no bunfig), or Node.js with V8's old space kept
 * inside the memory size, as Lambda's managed runtime and bench/node-ric.ts's bootstrap keep it. `flags` go to
 * the runtime itself (e.g. --cpu-prof).
 */
export const runnerCommand = (
  runtime: "bun" | "node",
  options: { readonly bundle: string; readonly node: string; readonly memoryMb: number; readonly flags?: Array<string> }
): Array<string> => {
  const flags = options.flags ?? []
  return runtime === "bun"
    ? [process.execPath, "--no-install", "--no-env-file", "--config=/dev/null", ...flags, RUNNER, options.bundle]
    : [options.node, `--max-old-space-size=${Math.floor(options.memoryMb * 0.9)}`, ...flags, RUNNER, options.bundle]
}
