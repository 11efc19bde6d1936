/**
 * An HTTP endpoint that reads each request's body and answers 200 `{}` at once: an OTLP receiver that
 * keeps nothing, in a process of its own so that its CPU is not the measured process's. Its URL has no
 * trailing slash.
 */
export const spawnSinkReceiver = async (): Promise<{ readonly url: string; readonly kill: () => void }> => {
  const child = Bun.spawn([
    process.execPath,
    "-e",
    `const s = Bun.serve({ port: 0, hostname: "127.0.0.1", async fetch(r) { await r.arrayBuffer(); return new Response("{}") } })
     console.log(s.url.href)`
  ], { stdout: "pipe", stderr: "inherit" })
  const reader = child.stdout.getReader()
  const url = new TextDecoder().decode((await reader.read()).value).trim().replace(/\/$/, "")
  reader.releaseLock()
  return { url, kill: () => child.kill() }
}
