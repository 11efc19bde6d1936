/** A one-line progress bar on stderr (redrawn in place on a terminal); returns the line. */
export const progressBar = (done: number, total: number, extra: string) => {
  const width = 30
  const filled = total === 0 ? width : Math.round((done / total) * width)
  const line = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${
    String(Math.floor((done / Math.max(1, total)) * 100)).padStart(3)
  }% ${done}/${total} ${extra}`
  if (process.stderr.isTTY) process.stderr.write(`\r${line}`)
  return line
}
