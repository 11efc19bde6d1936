import { sendBodies } from "../../flow/send.ts"
import { attributesOf, heading } from "../render.ts"
import { type ModeContext, stackContents } from "./mode.ts"

/** No mode flag: three adds, their reads, a read of a missing product and a malformed message, shown one by one. */
export const invokeDemonstration = async ({ session, invocations, settings, json, say }: ModeContext) => {
  const { stack } = session
  say(heading("1. Adding three products"))
  const ids = await sendBodies(stack.endpoints.sqs, stack.inputQueueUrl, [
    JSON.stringify({ name: "Widget", price: 9.99 }),
    JSON.stringify({ name: "Gadget", price: 24.5 }),
    JSON.stringify({ name: "Gizmo", price: 0 })
  ])
  await session.mapping.drain()
  say(heading("2. Reading them back, reading a missing product, and a malformed message"))
  await sendBodies(stack.endpoints.sqs, stack.inputQueueUrl, [
    ...ids.map((pk) => JSON.stringify({ pk })),
    JSON.stringify({ pk: "no-such-product" }),
    `{"name": "Broken", "price": "free"}`
  ])
  await session.mapping.drain()
  const { products, output, deadLetters } = await stackContents(stack)
  if (json) {
    const invoked = invocations.map((r) => ({
      records: r.event.Records.length,
      status: r.result.status,
      settlement: r.settlement,
      report: r.result.report
    }))
    console.log(JSON.stringify({ settings, invocations: invoked, products, output, deadLetters }, null, 2))
    return
  }
  say(
    heading(`Products in ${stack.tableName} (${products.length})`),
    ...products.map((p) =>
      `  ${p.pk}  ${String(p.name).padEnd(8)} ${String(p.price).padStart(6)}  created ${p.createdAt}`
    )
  )
  say(
    heading(`Output queue (${output.length})`),
    ...output.map((m) => `  ${m.Body}\n    attributes ${JSON.stringify(attributesOf(m))}`)
  )
  say(
    heading(`Dead-letter queue (${deadLetters.length})`),
    ...deadLetters.map((m) => `  ${m.Body}\n    attributes ${JSON.stringify(attributesOf(m))}`)
  )
}
