/**
 * Splits text that arrives in pieces into lines (without their "\n"): `push` returns the lines a piece
 * completed, `end` the last one when the text did not end with a newline.
 */
export const lineSplitter = () => {
  let rest = ""
  return {
    push: (text: string): Array<string> => {
      const lines = (rest + text).split("\n")
      rest = lines.pop()!
      return lines
    },
    end: (): Array<string> => (rest.length > 0 ? [rest] : [])
  }
}

/** A process's output, line by line as it comes. */
export async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  const splitter = lineSplitter()
  for await (const chunk of stream) yield* splitter.push(decoder.decode(chunk, { stream: true }))
  yield* splitter.push(decoder.decode())
  yield* splitter.end()
}
