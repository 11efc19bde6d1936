import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { appConfigOf, type LocalStack, startLocalStack } from "../../local/aws/local-stack.ts"
import { type AwsProxy, startAwsProxy } from "../../local/proxy/aws-proxy.ts"
import { liveLayer } from "../../src/app/live-layer.ts"
import { makeHandler } from "../../src/app/make-handler.ts"
import { invocationContext, sqsEvent, sqsRecord } from "../support/records.ts"
import { type Engine, evaluateIn, startEngine } from "./engine.ts"
import { type Configuration, loadConfiguration } from "./load.ts"

// IAM actions behind the API operations the SDK sends (SendMessageBatch is authorised as sqs:SendMessage).
const IAM_ACTION: Record<string, string> = {
  BatchWriteItem: "dynamodb:BatchWriteItem",
  BatchGetItem: "dynamodb:BatchGetItem",
  PutItem: "dynamodb:PutItem",
  GetItem: "dynamodb:GetItem",
  SendMessage: "sqs:SendMessage",
  SendMessageBatch: "sqs:SendMessage"
}

// Statements for Lambda's own machinery, not the function's code: the event source mapping polls
// the input queue with the function's role, and the runtime writes logs.
const PLATFORM_STATEMENTS: Record<string, { actions: Array<string>; resources: Array<string> }> = {
  PollInputQueue: {
    actions: ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"],
    resources: ["${aws_sqs_queue.input.arn}"]
  },
  WriteLogs: {
    actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
    resources: ["${aws_cloudwatch_log_group.function.arn}:*"]
  }
}

let tf: Configuration
let engine: Engine
let stack: LocalStack
let proxies: Array<AwsProxy> = []
const observed = new Set<string>()
const saved = { ...process.env }

beforeAll(async () => {
  tf = await loadConfiguration()
  engine = startEngine()
  stack = await startLocalStack({ prefix: `iam-${process.pid}` })
  // The resource each call touches, named as Terraform names it.
  const terraformName = (resource: string) =>
    resource === stack.tableName ?
      "${aws_dynamodb_table.products.arn}"
      : resource === stack.outputQueueUrl ?
      "${aws_sqs_queue.output.arn}"
      : resource === stack.deadLetterQueueUrl ?
      "${aws_sqs_queue.dead_letter.arn}"
      : `unknown resource ${resource}`
  const record = (operation: string, body: string) => {
    const json = JSON.parse(body)
    const resources: Array<string> = json.QueueUrl
      ? [json.QueueUrl]
      : json.TableName
      ? [json.TableName]
      : Object.keys(json.RequestItems ?? {})
    for (const r of resources) observed.add(`${IAM_ACTION[operation] ?? `unmapped ${operation}`} ${terraformName(r)}`)
  }
  const dynamodb = startAwsProxy({ target: stack.endpoints.dynamodb, onCall: record })
  const sqs = startAwsProxy({ target: stack.endpoints.sqs, onCall: record })
  proxies = [dynamodb, sqs]
  Object.assign(process.env, stack.functionEnv, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
    AWS_ENDPOINT_URL_SQS: sqs.url
  })

  // Every path of the function: add, read found, read missing, poison message.
  const app = makeHandler(
    liveLayer(appConfigOf(stack, 4), "None")
  )
  const results = [
    await app.handler(
      sqsEvent(sqsRecord(`{"name":"a","price":1}`, { messageId: "iam-add" }), sqsRecord("not json")),
      invocationContext()
    ),
    await app.handler(sqsEvent(sqsRecord(`{"pk":"iam-add"}`), sqsRecord(`{"pk":"missing"}`)), invocationContext())
  ]
  if (results.some((r) => r.batchItemFailures.length > 0)) {
    throw new Error(`the observed run failed: ${JSON.stringify(results)}`)
  }
  await app.dispose()
}, 60_000)

afterAll(async () => {
  engine?.close()
  process.env = saved
  await Promise.all(proxies.map((p) => p.stop()))
  await stack?.close()
})

const policyStatements = () => (tf.data.aws_iam_policy_document!.handler!.statement as Array<
  { sid: string; actions: Array<string>; resources: Array<string> }
>)

describe("IAM least privilege, by observation", () => {
  test("the function's statements grant exactly the (action, resource) pairs it was seen to use", () => {
    expect([...observed].sort()).toEqual([
      "dynamodb:BatchGetItem ${aws_dynamodb_table.products.arn}",
      "dynamodb:BatchWriteItem ${aws_dynamodb_table.products.arn}",
      "sqs:SendMessage ${aws_sqs_queue.dead_letter.arn}",
      "sqs:SendMessage ${aws_sqs_queue.output.arn}"
    ])
    const granted = new Set<string>()
    for (const s of policyStatements().filter((s) => !(s.sid in PLATFORM_STATEMENTS))) {
      for (const a of s.actions) for (const r of s.resources) granted.add(`${a} ${r}`)
    }
    expect([...granted].sort()).toEqual([...observed].sort())
  })

  test("Lambda's own needs are granted exactly, on their one resource each", () => {
    for (const [sid, expected] of Object.entries(PLATFORM_STATEMENTS)) {
      const s = policyStatements().find((x) => x.sid === sid)
      expect(s, sid).toBeDefined()
      expect([...s!.actions].sort()).toEqual(expected.actions)
      expect(s!.resources).toEqual(expected.resources)
    }
  })

  const dynamicStatement = (sid: string) => {
    const all = (tf.data.aws_iam_policy_document!.handler!.dynamic as any).statement as Array<any>
    const found = all.find((s) => s.content[0].sid === sid)
    if (!found) throw new Error(`no dynamic statement ${sid}`)
    return found
  }

  test(
    "no wildcard action, no wildcard resource outside X-Ray's; the KMS statement only with a key, on that key",
    () => {
      const text = tf.files["iam.tf"]!
      expect(text).not.toMatch(/"[a-z0-9]+:\*"/)
      expect(text).not.toMatch(/resources\s*=\s*\["\*"\]/)
      const kms = dynamicStatement("UseQueueKey")
      expect(kms.for_each).toBe("${var.sqs_kms_key_arn == null ? [] : [var.sqs_kms_key_arn]}")
      expect(kms.content[0].resources).toEqual(["${statement.value}"])
      expect(kms.content[0].actions).toEqual(["kms:Decrypt", "kms:GenerateDataKey"])
      const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
      expect(evaluateIn(engine, kms.for_each)).toEqual([])
      expect(evaluateIn(engine, kms.for_each, { sqs_kms_key_arn: key })).toEqual([key])
    },
    30_000
  )

  test("X-Ray: the role may write traces only when tracing is Active, and only the two actions Lambda uses", () => {
    const xray = dynamicStatement("WriteTraces")
    expect([...xray.content[0].actions].sort()).toEqual(["xray:PutTelemetryRecords", "xray:PutTraceSegments"])
    expect(xray.content[0].resources).toEqual(["${statement.value}"])
    // X-Ray's write actions support no resource-level permissions: "*" is the only resource they accept.
    expect(evaluateIn(engine, xray.for_each, { tracing_mode: "Active" })).toEqual(["*"])
    expect(evaluateIn(engine, xray.for_each, { tracing_mode: "PassThrough" })).toEqual([])
    expect(evaluateIn(engine, xray.for_each)).toEqual([])
    expect(tf.resources.aws_lambda_function!.handler!.tracing_config).toEqual([{ mode: "${var.tracing_mode}" }])
  }, 30_000)

  test("every statement is accounted for: the observed ones, Lambda's own, and the two conditional ones", () => {
    const sids = [
      ...policyStatements().map((s) => s.sid),
      ...((tf.data.aws_iam_policy_document!.handler!.dynamic as any).statement as Array<any>).map((s) =>
        s.content[0].sid
      )
    ]
    expect(sids.sort()).toEqual([
      "AnswerReads",
      "ParkRejectedMessages",
      "PollInputQueue",
      "UseQueueKey",
      "WriteAndReadProducts",
      "WriteLogs",
      "WriteTraces"
    ])
  })

  test("the role can only be assumed by Lambda, and carries this policy", () => {
    const assume = (tf.data.aws_iam_policy_document!.assume_lambda!.statement as any)[0]
    expect(assume.actions).toEqual(["sts:AssumeRole"])
    expect(assume.principals).toEqual([{ type: "Service", identifiers: ["lambda.amazonaws.com"] }])
    expect(tf.resources.aws_iam_role_policy!.handler!.policy).toBe("${data.aws_iam_policy_document.handler.json}")
  })
})
