import { DynamoDbLocalUnavailable, startDynamoDbLocal } from "./dynamodb-local.ts"

/**
 * npm run test:dynamodb-local: the suites that talk to DynamoDB (integration, event source mapping,
 * chaos) against AWS's own DynamoDB Local instead of dynalite. Extra arguments go to `bun test`.
 */
const SUITES = ["test/integration", "test/local/event-source-mapping.test.ts", "test/chaos"]

const started = performance.now()
let local
try {
  local = await startDynamoDbLocal()
} catch (e) {
  if (e instanceof DynamoDbLocalUnavailable) {
    console.error(`test:dynamodb-local: DynamoDB Local cannot run here: ${e.message}`)
    process.exit(2)
  }
  throw e
}
console.log(`DynamoDB Local ${local.version} on ${local.url} (ready in ${Math.round(performance.now() - started)} ms)`)
let code = 1
try {
  const test = Bun.spawn([process.execPath, "test", ...SUITES, ...process.argv.slice(2)], {
    env: { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: local.url },
    stdio: ["inherit", "inherit", "inherit"]
  })
  code = await test.exited
} finally {
  await local.stop()
}
const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.log(`test:dynamodb-local: ${code === 0 ? "passed" : "FAILED"} in ${seconds} s`)
process.exit(code)
