// Run only by default-timeout.test.ts in a child `bun test` (the name keeps it out of the suite); two
// copies of it are run, because Bun 1.4.5 applies some settings to the first test file only.
import { test } from "bun:test"

test("sleeps PROBE_SLEEP_MS without a timeout of its own", async () => {
  await Bun.sleep(Number(process.env.PROBE_SLEEP_MS))
})
