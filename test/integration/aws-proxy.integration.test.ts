import { BatchGetItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { afterAll, describe, expect, test } from "bun:test"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { crc32 } from "node:zlib"
import { type AwsProxy, startAwsProxy } from "../../local/proxy/aws-proxy.ts"
import { faultInjector } from "../../local/proxy/faults.ts"
import { transport } from "../../src/aws/clients.ts"
import { checkCrc32 } from "../../src/aws/crc32-check.ts"

// A DynamoDB-like upstream that answers as Jetty (DynamoDB Local) does for large bodies: chunked,
// signed with x-amz-crc32. It answers BatchGetItem with every key found.
const upstream: Server = createServer((req, res) => {
  const chunks: Array<Buffer> = []
  req.on("data", (c: Buffer) => chunks.push(c))
  req.on("end", () => {
    const keys = JSON.parse(Buffer.concat(chunks).toString()).RequestItems.t.Keys as Array<{ pk: { S: string } }>
    const body = JSON.stringify({
      Responses: { t: keys.map((k) => ({ pk: k.pk, name: { S: "x".repeat(200) } })) },
      UnprocessedKeys: {}
    })
    res.writeHead(200, {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-crc32": String(crc32(Buffer.from(body))),
      "x-amzn-requestid": "req-42"
    })
    res.write(body.slice(0, 100)) // no content-length: node:http sends transfer-encoding: chunked
    res.end(body.slice(100))
  })
}).listen(0, "127.0.0.1")
const target = () => `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
const proxies: Array<AwsProxy> = []
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()))
  upstream.close()
})

const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ pk: { S: `k-${i}` } }))
const batchGet = (n: number) => ({ RequestItems: { t: { Keys: keys(n) } } })
const rawCall = (url: string, n: number) =>
  fetch(url, {
    method: "POST",
    headers: { "x-amz-target": "DynamoDB_20120810.BatchGetItem", "content-type": "application/x-amz-json-1.0" },
    body: JSON.stringify(batchGet(n))
  })

describe("the AWS proxy forwards answers faithfully", () => {
  test("a chunked answer arrives whole: same status, body and x-amz-crc32; no hop-by-hop header next to its content-length", async () => {
    const direct = await rawCall(target(), 50)
    expect(direct.headers.get("transfer-encoding")).toBe("chunked")
    const proxy = startAwsProxy({ target: target() })
    proxies.push(proxy)
    const via = await rawCall(proxy.url, 50)
    const body = await via.text()
    expect(via.status).toBe(200)
    expect(body).toBe(await direct.text())
    expect(via.headers.get("x-amz-crc32")).toBe(direct.headers.get("x-amz-crc32"))
    expect(via.headers.get("x-amzn-requestid")).toBe("req-42")
    expect(via.headers.get("transfer-encoding")).toBeNull()
    expect(via.headers.get("content-length")).toBe(String(Buffer.byteLength(body)))
  })

  test("the SDK, checking x-amz-crc32, reads chunked answers through the proxy (regression: InvalidHTTPResponse)", async () => {
    const proxy = startAwsProxy({ target: target() })
    proxies.push(proxy)
    const client = new DynamoDBClient({
      endpoint: proxy.url,
      region: "us-east-1",
      credentials: { accessKeyId: "x", secretAccessKey: "y" },
      maxAttempts: 1,
      ...transport()
    })
    checkCrc32(client)
    const answer = await client.send(new BatchGetItemCommand(batchGet(100)))
    expect(answer.Responses?.t).toHaveLength(100)
  })

  test("a body rewritten for a partial batch carries the x-amz-crc32 of the new body", async () => {
    let n = 0
    const proxy = startAwsProxy({
      target: target(),
      intercept:
        faultInjector({ service: "dynamodb", default: { partialRate: 1 }, random: () => (n++ % 2 === 0 ? 0 : 0.5) })
          .interceptor
    })
    proxies.push(proxy)
    const via = await rawCall(proxy.url, 10)
    const body = await via.text()
    expect(JSON.parse(body).UnprocessedKeys.t.Keys).toHaveLength(5)
    expect(via.headers.get("x-amz-crc32")).toBe(String(crc32(Buffer.from(body))))
    expect(via.headers.get("x-amzn-requestid")).toBe("req-42")
  })
})
