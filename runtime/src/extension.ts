/**
 * Lambda sends SIGTERM at shutdown only when an extension is registered. Like the Rust runtime's
 * graceful-shutdown helper, a function with a shutdown hook registers an internal extension that
 * subscribes to no event: its /event/next poll stays open and is never answered.
 */
export const EXTENSION_NAME = "bun-runtime-graceful-shutdown"

export const registerShutdownExtension = async (host: string): Promise<void> => {
  const registered = await fetch(`http://${host}/2020-01-01/extension/register`, {
    method: "POST",
    headers: { "lambda-extension-name": EXTENSION_NAME, "content-type": "application/json" },
    body: JSON.stringify({ events: [] })
  })
  const id = registered.headers.get("lambda-extension-identifier")
  await registered.text()
  if (!registered.ok || !id) throw new Error(`extension registration answered ${registered.status}`)
  // Tells Lambda this extension has finished its init; no answer ever comes. A raw socket (Bun's
  // own, cheaper to load than node:net), unref'd so that this poll does not count as pending work
  // (Node.js 22 callback handlers answer when the event loop is empty).
  const colon = host.lastIndexOf(":")
  const socket = await Bun.connect({
    hostname: host.slice(0, colon),
    port: Number(host.slice(colon + 1)),
    socket: { data() {}, error() {}, close() {} }
  })
  socket.write(
    `GET /2020-01-01/extension/event/next HTTP/1.1\r\nHost: ${host}\r\nLambda-Extension-Identifier: ${id}\r\n\r\n`
  )
  socket.unref()
}
