import type { Answer } from "../../shared/http1/answer-parser.ts"
import { Connection, type Origin } from "../../shared/http1/connection.ts"
import { NetworkFailure } from "../../shared/http1/network-failure.ts"

/** How a request may be cut short: the caller's abort signal, a time limit in ms (0 or none: no limit). */
export interface Cut {
  readonly signal?: AbortSignal | undefined
  readonly timeoutMs?: number | undefined
}

/**
 * Kept-alive connections to one origin, at most `size` open at once (sized for the function's requests in
 * flight, MAX_CONCURRENCY); a request beyond that waits for a connection to come free. A request on a
 * reused connection that the server closed before answering (it closes idle connections, racing our
 * write; or the environment was frozen while it did) goes again at once on a new connection.
 */
export class OriginPool {
  private readonly idle: Array<Connection> = []
  private readonly open = new Set<Connection>()
  private readonly queue: Array<() => void> = []
  private opening = 0

  constructor(private readonly origin: Origin, private readonly size: number) {}

  /** Sends a request (`bytes` long) and reads its answer, within `cut`. */
  send(request: string | Uint8Array, bytes: number, cut: Cut): Promise<Answer> {
    const { signal, timeoutMs } = cut
    if (!signal && !timeoutMs) return this.exchange(request, bytes, undefined)
    if (signal?.aborted) return Promise.reject(abortError(signal))
    const { promise, resolve, reject } = Promise.withResolvers<Answer>()
    const state: { over: boolean; using?: Connection } = { over: false }
    const stop = (error: Error) => {
      if (state.over) return
      finish()
      state.using?.destroy()
      reject(error)
    }
    const onAbort = () => stop(abortError(signal!))
    const timer = timeoutMs ? setTimeout(() => stop(timeoutError(timeoutMs)), timeoutMs) : undefined
    const finish = () => {
      state.over = true
      clearTimeout(timer)
      signal?.removeEventListener("abort", onAbort)
    }
    signal?.addEventListener("abort", onAbort, { once: true })
    this.exchange(request, bytes, state).then((answer) => {
      if (state.over) return
      finish()
      resolve(answer)
    }, (error: Error) => {
      if (state.over) return
      finish()
      reject(error)
    })
    return promise
  }

  /** Closes the idle connections (the SDK client's destroy()). */
  close(): void {
    for (const connection of this.idle.splice(0)) connection.destroy()
  }

  private async exchange(
    request: string | Uint8Array,
    bytes: number,
    state: { over: boolean; using?: Connection } | undefined
  ): Promise<Answer> {
    for (let fresh = false;; fresh = true) {
      const [connection, reused] = await this.acquire(fresh)
      if (state) {
        state.using = connection
        if (state.over) connection.destroy() // cut while it waited or connected
      }
      try {
        return await connection.exchange(request, bytes)
      } catch (e) {
        if (!(reused && e instanceof NetworkFailure && e.beforeAnswer) || state?.over) throw e
      } finally {
        this.release(connection)
      }
    }
  }

  /** An idle connection (unless `fresh`), else a new one once fewer than `size` are open. */
  private async acquire(fresh: boolean): Promise<[Connection, boolean]> {
    for (;;) {
      const idle = fresh ? undefined : this.idle.pop()
      if (idle) return [idle, true]
      if (this.open.size + this.opening < this.size) return [await this.connect(), false]
      await new Promise<void>((wake) => this.queue.push(wake))
    }
  }

  private async connect(): Promise<Connection> {
    this.opening++
    try {
      const connection = await Connection.open(this.origin, (gone) => this.forget(gone))
      this.open.add(connection)
      return connection
    } catch (e) {
      this.queue.shift()?.() // the slot it held is free again
      throw e
    } finally {
      this.opening--
    }
  }

  private release(connection: Connection): void {
    if (connection.alive && connection.reusable) this.idle.push(connection)
    else this.forget(connection)
    this.queue.shift()?.()
  }

  private forget(connection: Connection): void {
    if (!this.open.delete(connection)) return
    const at = this.idle.indexOf(connection)
    if (at >= 0) this.idle.splice(at, 1)
    this.queue.shift()?.()
  }
}

// As the SDK's fetch handler names them: AbortError with the signal's reason as cause; TimeoutError.
const abortError = (signal: AbortSignal): Error =>
  Object.assign(new Error("Request aborted"), {
    name: "AbortError",
    ...(signal.reason ? { cause: signal.reason } : {})
  })

const timeoutError = (ms: number): Error =>
  Object.assign(new Error(`Request did not complete within ${ms} ms`), { name: "TimeoutError" })
