import { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs"
import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb"
import { Sha256 } from "@smithy/core/checksum"
import { describe, expect, spyOn, test } from "bun:test"
import { createHash, createHmac } from "node:crypto"
import { BunHash, bunHashing } from "../../src/aws/bun-hash.ts"
import { cannedAwsServer, EXAMPLE_CREDENTIALS } from "../support/canned-aws-server.ts"

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")
const inputs: Array<string | Uint8Array | ArrayBuffer | DataView> = [
  "",
  "Thé vert €",
  new TextEncoder().encode("bytes"),
  new Uint8Array([0, 1, 2, 3, 4, 5]).subarray(2).buffer,
  new DataView(new Uint8Array([9, 8, 7, 6]).buffer, 1, 2)
]

describe("BunHash: the SDK's hashing on Bun.CryptoHasher", () => {
  test("the same digests as node:crypto's, plain and keyed, for every kind of input", async () => {
    const bytes = (data: string | Uint8Array | ArrayBuffer | DataView) =>
      typeof data === "string"
        ? Buffer.from(data)
        : data instanceof ArrayBuffer
        ? Buffer.from(data)
        : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    for (const input of inputs) {
      for (const secret of [undefined, "key", new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6, 7]).subarray(1)]) {
        const ours = new BunHash("sha256", secret)
        ours.update(input)
        const reference = secret ? createHmac("sha256", bytes(secret)) : createHash("sha256")
        expect(hex(await ours.digest())).toBe(reference.update(bytes(input)).digest("hex"))
      }
      const ours = new BunHash("md5")
      ours.update(input)
      expect(hex(await ours.digest())).toBe(createHash("md5").update(bytes(input)).digest("hex"))
    }
  })

  test("a plain hash can go on after a digest, as the SDK's", async () => {
    const [ours, sdk] = [new BunHash("sha256"), new Sha256()]
    for (const hash of [ours, sdk]) hash.update(new TextEncoder().encode("one"))
    expect(hex(await ours.digest())).toBe(hex(await sdk.digest()))
    for (const hash of [ours, sdk]) hash.update(new TextEncoder().encode("two"))
    expect(hex(await ours.digest())).toBe(hex(await sdk.digest()))
    for (const hash of [ours, sdk]) hash.reset()
    expect(hex(await ours.digest())).toBe(hex(await sdk.digest()))
  })

  test("signed requests and the SQS MD5 check: the same bytes on the wire as with the SDK's hashing", async () => {
    const { endpoint, recordFixed } = cannedAwsServer()
    const settings = {
      endpoint,
      region: "eu-west-1",
      credentials: EXAMPLE_CREDENTIALS,
      maxAttempts: 1
    }
    const sendBoth = async (hashing: object) =>
      (await recordFixed(async () => {
        const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ ...settings, ...hashing }))
        await dynamo.send(
          new BatchWriteCommand({ RequestItems: { products: [{ PutRequest: { Item: { pk: "p" } } }] } })
        )
        const sqs = new SQSClient({ ...settings, ...hashing })
        // The answer's MD5s are checked with the client's md5: a wrong one would throw here.
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: `${endpoint}/000000000000/out`,
            Entries: [{ Id: "0", MessageBody: "é" }]
          })
        )
      })).wire
    expect(bunHashing()).toHaveProperty("sha256")
    const sdk = await sendBoth({})
    const digests = spyOn(BunHash.prototype, "digest")
    const ours = await sendBoth(bunHashing())
    // Signing (payload, signing key, signature) and the MD5 check all went through BunHash.
    expect(digests.mock.calls.length).toBeGreaterThanOrEqual(5)
    digests.mockRestore()
    expect(sdk).toHaveLength(2)
    expect(ours).toEqual(sdk)
  })
})
