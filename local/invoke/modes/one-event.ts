import { readFileSync } from "node:fs"
import { reportLine } from "../../runtime-api/report.ts"
import { attributesOf, dim, heading } from "../render.ts"
import { type ModeContext, stackContents } from "./mode.ts"

/** --event FILE: one raw event, one execution environment: exactly what Lambda would hand the function. */
export const invokeOneEvent = async ({ session, settings, json, say }: ModeContext, eventFile: string) => {
  const event = JSON.parse(readFileSync(eventFile, "utf8"))
  const environment = session.pool.create()
  const result = await environment.invoke(event)
  await environment.stop()
  const { products, output, deadLetters } = await stackContents(session.stack)
  if (json) {
    console.log(JSON.stringify({ settings, result, products, output, deadLetters }, null, 2))
    return
  }
  say(
    heading("Result"),
    result.status === "success" ? result.payload : `${result.status}: ${JSON.stringify(result.error)}`,
    dim(reportLine(result.report))
  )
  say(heading(`Products (${products.length})`), ...products.map((p) => `  ${JSON.stringify(p)}`))
  say(
    heading(`Output queue (${output.length})`),
    ...output.map((m) => `  ${m.Body}  ${JSON.stringify(attributesOf(m))}`)
  )
  say(
    heading(`Dead-letter queue (${deadLetters.length})`),
    ...deadLetters.map((m) => `  ${m.Body}  ${JSON.stringify(attributesOf(m))}`)
  )
}
