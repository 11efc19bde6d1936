import { beforeAll, describe, expect, test } from "bun:test"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { loadConfiguration, TERRAFORM_DIR } from "./load.ts"
import { checkFile, referenceProblems, type VariableTypes } from "./provider-schema/check.ts"
import {
  generateSchema,
  PACKAGE,
  type Schema,
  SCHEMA_FILE,
  serialize,
  TARBALL,
  typesUsed
} from "./provider-schema/generate.ts"
import { placesOf, structureOf } from "./provider-schema/structure.ts"

// hcl2json is WebAssembly: its first parse on a slow, loaded core can take a few seconds.
const PARSE_TIMEOUT = 15_000

const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as Schema

// terraform/variables.tf's declared types, for arguments set from a variable ("${number}" → "number").
let variables: VariableTypes = {}
beforeAll(async () => {
  const tf = await loadConfiguration()
  variables = Object.fromEntries(Object.entries(tf.variables).map(([k, v]) => [k, String(v.type).slice(2, -1)]))
}, PARSE_TIMEOUT)

describe("terraform/ against the AWS provider's own schema", () => {
  test("the schema is the one the README names: AWS provider 6.25.0 from @cdktf/provider-aws 21.22.1", () => {
    expect(schema.source).toBe(PACKAGE)
    expect(schema.provider).toBe("registry.terraform.io/hashicorp/aws")
    expect(schema.provider_version).toBe("6.25.0")
    expect(readFileSync(join(TERRAFORM_DIR, "../README.md"), "utf8")).toContain("AWS provider 6.25.0")
  })

  test("it covers every resource and data source type terraform/ declares", async () => {
    const used = await typesUsed()
    expect(Object.keys(schema.resources)).toEqual(used.resources)
    expect(Object.keys(schema.data_sources)).toEqual(used.data)
  }, PARSE_TIMEOUT)

  test("every resource, data source, argument and nested block in terraform/*.tf is the provider's", async () => {
    const files = readdirSync(TERRAFORM_DIR).filter((f) => f.endsWith(".tf")).sort()
    const problems = (await Promise.all(files.map((f) =>
      checkFile(f, readFileSync(join(TERRAFORM_DIR, f), "utf8"), schema, variables)
    )))
      .flat()
    expect(problems).toEqual([])
  }, PARSE_TIMEOUT)

  test("every attribute terraform/ reads from a resource or data source exists on that type", () => {
    const files = readdirSync(TERRAFORM_DIR).filter((f) => f.endsWith(".tf"))
    const texts = files.map((f) => readFileSync(join(TERRAFORM_DIR, f), "utf8"))
    expect(files.flatMap((f, i) => referenceProblems(f, texts[i]!, schema))).toEqual([])
    // There are many to look at (the policy, the environment, the outputs...).
    expect([...texts.join("\n").matchAll(/(?<![\w.])(data\.)?aws_[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+/g)].length)
      .toBeGreaterThan(25)
    expect(referenceProblems("x.tf", "output \"u\" {\n  value = aws_sqs_queue.input.urll\n}\n", schema)).toEqual([
      {
        file: "x.tf",
        at: "aws_sqs_queue.input.urll",
        message: "aws_sqs_queue has no attribute urll (did you mean url?)"
      }
    ])
    expect(referenceProblems("x.tf", "x = data.aws_caller_identity.current.account\n", schema)[0]?.message)
      .toBe("aws_caller_identity has no attribute account (did you mean account_id?)")
    expect(referenceProblems("x.tf", "x = aws_cloudwatch_metric_alarm.this[\"a\"].arns\n", schema)[0]?.message)
      .toContain("has no attribute arns")
  })

  test("mutation: misspelling any one argument or block of any resource in terraform/ is caught", async () => {
    let mutants = 0
    for (const file of readdirSync(TERRAFORM_DIR).filter((f) => f.endsWith(".tf"))) {
      const text = readFileSync(join(TERRAFORM_DIR, file), "utf8")
      const lines = text.split("\n")
      const places = placesOf(text).filter((p) =>
        ["resource", "data", "provider"].includes(p.path[0] ?? "") && !["lifecycle", "precondition"].some((m) =>
          p.path.includes(m)
        )
        && !(p.path.length === 3 && ["depends_on", "for_each", "count", "lifecycle"].includes(p.name))
        && !(p.path.at(-2) === "dynamic" && ["for_each", "content"].includes(p.name)) && p.name !== "dynamic"
      )
      for (const p of places) {
        const mutated = [...lines]
        mutated[p.line - 1] = mutated[p.line - 1]!.replace(p.name, `${p.name}x`)
        const problems = await checkFile(file, mutated.join("\n"), schema, variables)
        expect(problems.map((q) => q.message).join("\n"), `${file}:${p.line} ${p.name}`).toContain(`${p.name}x`)
        mutants++
      }
    }
    expect(mutants).toBeGreaterThan(100)
  }, 30_000)

  // Regenerating needs the 37 MB package; the committed aws.json keeps the check above download-free.
  const regenerate = existsSync(TARBALL) ? test : test.skip
  if (!existsSync(TARBALL)) {
    console.warn(
      `SKIPPED: aws.json was not regenerated: ${TARBALL} is absent ` +
        "(bun test/terraform/provider-schema/generate.ts --fetch)"
    )
  }
  regenerate("the committed aws.json is exactly what the package generates (regenerated from .cache/)", async () => {
    expect(serialize(generateSchema(await typesUsed()))).toBe(readFileSync(SCHEMA_FILE, "utf8"))
  }, 30_000)
})

describe("the schema check catches what `terraform apply` would refuse", () => {
  const check = async (hcl: string) =>
    (await checkFile("snippet.tf", hcl, schema, { n: "number", s: "string", l: "list(string)", m: "map(string)" }))
      .map((p) => `${p.at}: ${p.message}`)
  const fn = (body: string) =>
    `resource "aws_lambda_function" "f" {\n  function_name = "f"\n  role          = "r"\n${body}\n}\n`

  test("a minimal valid resource passes", async () => {
    expect(await check(fn(`  publish = true\n\n  environment {\n    variables = { A = "1" }\n  }`))).toEqual([])
  }, PARSE_TIMEOUT)

  test.each([
    ["a misspelled argument", fn("  functon_timeout = 3"), "unknown argument functon_timeout"],
    ["a misspelling names the argument meant", fn("  memory_sise = 128"), "did you mean memory_size?"],
    [
      "a missing required argument",
      `resource "aws_lambda_function" "f" {\n  function_name = "f"\n}\n`,
      "missing required argument role"
    ],
    [
      "a missing required block",
      `resource "aws_s3_bucket_server_side_encryption_configuration" "s" {\n  bucket = "b"\n}\n`,
      "missing required block rule"
    ],
    [
      "a block written as an attribute (object)",
      fn("  environment = {\n    variables = {}\n  }"),
      "environment is a block"
    ],
    [
      "a block written as an attribute (list of objects)",
      fn("  logging_config = [{\n    log_format = \"JSON\"\n  }]"),
      "logging_config is a block"
    ],
    ["an attribute written as a block", fn("  tags {\n    a = \"b\"\n  }"), "tags is an argument (map(string))"],
    ["a wrong primitive type", fn("  memory_size = \"big\""), "wrong type: number expected"],
    ["a template where a bool goes", fn("  publish = \"yes-${var.x}\""), "wrong type: bool expected"],
    ["a string where a list goes", fn("  architectures = \"arm64\""), "wrong type: list(string) expected"],
    ["a list where a map goes", fn("  tags = [\"a\"]"), "wrong type: map(string) expected"],
    ["a string variable where a number goes", fn("  memory_size = var.s"), "number expected, var.s is string"],
    ["a string variable where a list goes", fn("  architectures = var.s"), "list(string) expected, var.s is string"],
    ["a list variable where a string goes", fn("  handler = var.l"), "string expected, var.l is list(string)"],
    ["a map variable in a list", fn("  layers = [var.m]"), "string expected, var.m is map(string)"],
    [
      "a second block where one is allowed",
      fn("  tracing_config {\n    mode = \"Active\"\n  }\n\n  tracing_config {\n    mode = \"PassThrough\"\n  }"),
      "at most 1 tracing_config"
    ],
    [
      "an unknown argument inside a nested block",
      fn("  logging_config {\n    log_fmt = \"JSON\"\n  }"),
      "logging_config.log_fmt: unknown argument log_fmt"
    ],
    [
      "a missing required argument inside a nested block",
      `resource "aws_lambda_event_source_mapping" "m" {\n  function_name = "f"\n\n  metrics_config {\n  }\n}\n`,
      "missing required argument metrics"
    ],
    [
      "an unknown resource type",
      `resource "aws_lambda_functions" "f" {\n  function_name = "f"\n}\n`,
      "did you mean aws_lambda_function?"
    ],
    [
      "a dynamic block of an unknown type",
      fn("  dynamic \"tracing\" {\n    for_each = []\n    content {\n      mode = \"Active\"\n    }\n  }"),
      "dynamic block of an unknown block type tracing"
    ],
    [
      "a wrong argument inside a dynamic block's content",
      fn("  dynamic \"tracing_config\" {\n    for_each = []\n    content {\n      modes = \"Active\"\n    }\n  }"),
      "unknown argument modes"
    ],
    ["an unknown provider argument", `provider "aws" {\n  regin = "eu-west-1"\n}\n`, "did you mean region?"],
    [
      "an unknown lifecycle argument",
      fn("  lifecycle {\n    prevent_destroyed = true\n  }"),
      "unknown lifecycle argument prevent_destroyed"
    ]
  ])("%s", async (_, hcl, expected) => {
    const problems = await check(hcl)
    expect(problems.join("\n")).toContain(expected)
  }, PARSE_TIMEOUT)

  test("a dashboard as terraform/dashboard.tf may write it passes: multi-line jsonencode, heredoc, for", async () => {
    const dashboard = [
      `resource "aws_cloudwatch_dashboard" "main" {`,
      `  dashboard_name = "d"`,
      `  dashboard_body = jsonencode({`,
      `    widgets = [for key, arn in { a = "x" } : {`,
      `      type       = "alarm"`,
      `      properties = { alarms = [arn], title = "\${key} {" }`,
      `    }]`,
      `  })`,
      `}`,
      ``,
      `resource "aws_cloudwatch_dashboard" "raw" {`,
      `  dashboard_name = "r"`,
      `  dashboard_body = <<-JSON`,
      `    { "widgets": [ {`,
      `    JSON`,
      `}`,
      ``
    ].join("\n")
    expect(await check(dashboard)).toEqual([])
    expect(await check(dashboard.replace("dashboard_name = \"r\"", "dashboard_nam = \"r\""))).toEqual([
      "resource.aws_cloudwatch_dashboard.raw.dashboard_nam: unknown argument dashboard_nam (did you mean dashboard_name?)",
      "resource.aws_cloudwatch_dashboard.raw: missing required argument dashboard_name"
    ])
  }, PARSE_TIMEOUT)

  test("the structure scanner refuses what it cannot place rather than guess", () => {
    expect(() => structureOf(`resource "a" "b" {\n  x = 1\n  /* c */\n}\n`)).toThrow(/block comments/)
    expect(() => structureOf(`resource "a" "b" {\n  c { d = 1 }\n}\n`)).toThrow(/cannot place line 2/)
    expect(() => structureOf(`resource "a" "b" {\n  x = [\n`)).toThrow(/unbalanced|not closed/)
  })
})
