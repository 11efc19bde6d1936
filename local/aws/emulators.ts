import dynalite from "dynalite"
import { createSqsServer } from "local-aws-sqs"
import type { AddressInfo, Server } from "node:net"

export interface Endpoint {
  readonly url: string
  /** True when this process started the emulator (and so must stop it). */
  readonly embedded: boolean
  readonly close: () => Promise<void>
}

const closeServer = (server: Server) => () =>
  new Promise<void>((resolve) => {
    ;(server as Server & { closeAllConnections?: () => void }).closeAllConnections?.()
    server.close(() => resolve())
  })

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`

/** dynalite in this process on a free loopback port, or AWS_ENDPOINT_URL_DYNAMODB when set. */
export const startDynamoDb = async (env: Record<string, string | undefined> = process.env): Promise<Endpoint> => {
  const external = env.AWS_ENDPOINT_URL_DYNAMODB
  if (external) return { url: external, embedded: false, close: async () => {} }
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { url: urlOf(server), embedded: true, close: closeServer(server) }
}

/** local-aws-sqs in this process on a free loopback port, or AWS_ENDPOINT_URL_SQS when set. */
export const startSqs = async (env: Record<string, string | undefined> = process.env): Promise<Endpoint> => {
  const external = env.AWS_ENDPOINT_URL_SQS
  if (external) return { url: external, embedded: false, close: async () => {} }
  const server = await createSqsServer({ port: 0, hostname: "127.0.0.1", emulateQueueCreationLifecycle: false })
  return { url: urlOf(server), embedded: true, close: closeServer(server) }
}
