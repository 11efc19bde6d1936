import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { STACK_DEFAULTS } from "../../local/stack/defaults.ts"
import { type Engine, startEngine, terraform, terraformBin, type Vars } from "./engine.ts"
import { evaluate, referenceRoots, type Scope, UnsupportedConstruct } from "./hcl-eval.ts"
import { TERRAFORM_DIR } from "./load.ts"

const TF_TIMEOUT = 30_000

describe("the real terraform engine", () => {
  test("terraform/ is formatted as `terraform fmt` formats it", () => {
    const r = terraform(["fmt", "-check", "-recursive", "-diff", "-no-color", TERRAFORM_DIR], TERRAFORM_DIR)
    expect(r.stdout + r.stderr).toBe("")
    expect(r.code).toBe(0)
  }, TF_TIMEOUT)

  test("it is the version the tests were written against", () => {
    expect(terraform(["version"], TERRAFORM_DIR).stdout).toContain("Terraform v1.11.4")
  }, TF_TIMEOUT)

  test("a missing binary fails the checks with a message that says so, never a skip", () => {
    const saved = process.env.TERRAFORM_BIN
    process.env.TERRAFORM_BIN = "/nonexistent/terraform"
    try {
      expect(terraformBin()).toBe("/nonexistent/terraform")
      expect(() => startEngine()).toThrow(
        /The real Terraform engine is missing: no executable at \/nonexistent\/terraform/
      )
    } finally {
      if (saved === undefined) delete process.env.TERRAFORM_BIN
      else process.env.TERRAFORM_BIN = saved
    }
  })

  describe("an engine on the provider-free copy", () => {
    let engine: Engine
    beforeAll(() => {
      engine = startEngine()
    }, TF_TIMEOUT)
    afterAll(() => engine?.close())

    test(
      "plans each resource's for_each on terraform's built-in terraform_data: terraform accepts local.alarms",
      () => {
        expect(engine.probe).toContain("for_each = local.alarms")
        expect(engine.rejected({})).toEqual({})
        expect(engine.rejected({ alarm_sns_topic_arn: "arn:aws:sns:eu-west-1:123456789012:alerts" })).toEqual({})
      },
      TF_TIMEOUT
    )

    test("reports the variables it refused, and only those", () => {
      expect(engine.rejected({})).toEqual({})
      const refused = engine.rejected({ timeout: 0, memory_size: 64, log_level: "INFO" })
      expect(Object.keys(refused).sort()).toEqual(["memory_size", "timeout"])
      expect(refused.timeout).toContain("timeout must be a whole number of seconds between 1 and 900")
      // A value of the wrong type is refused by terraform's own type check, named all the same.
      expect(Object.keys(engine.rejected({ timeout: "soon" }))).toEqual(["timeout"])
    }, TF_TIMEOUT)

    test("many cases in one plan give the answers of one plan per case", () => {
      const cases: Array<Vars> = [{ maximum_concurrency: 20 }, { timeout: 0 }, { timeout: 1 }, {
        reserved_concurrent_executions: 5
      }, {
        reserved_concurrent_executions: 5,
        maximum_concurrency: 5
      }, { prefix: "xn-", timeout: 901 }]
      const batched = engine.rejectedEach(cases)
      expect(batched.map((r) => Object.keys(r).sort())).toEqual([
        [],
        ["timeout"],
        [],
        ["reserved_concurrent_executions"],
        [],
        ["prefix", "timeout"]
      ])
      expect(batched).toEqual(cases.map((c) => engine.rejected(c)))
    }, TF_TIMEOUT)

    test("one expression for many cases in one console gives the answers of one console per case", () => {
      const cases: Array<Vars> = [{}, { timeout: 60 }, { timeout: 900, batching_window_seconds: 300 }, { prefix: "p" }]
      // The whole scope of each case (every variable and local) against one batched console.
      const scopes = cases.map((c) => engine.scope(c))
      expect(engine.evaluateEach("local.names", cases)).toEqual(scopes.map((s) => s.locals.names))
      expect(engine.evaluateEach("local.visibility_timeout_seconds", cases)).toEqual(
        scopes.map((s) => s.locals.visibility_timeout_seconds)
      )
      expect(engine.evaluateEach("var.timeout * 2", cases)).toEqual(scopes.map((s) => (s.vars.timeout as number) * 2))
    }, TF_TIMEOUT)

    test("evaluates with terraform's own functions and semantics", () => {
      expect(engine.evaluate({ timeout: 60 }, { v: "local.visibility_timeout_seconds", s: "\"${var.prefix}-x\"" }))
        .toEqual({ v: 360, s: `${STACK_DEFAULTS.prefix}-x` })
      expect(() => engine.evaluate({}, { v: "local.no_such_local" })).toThrow(/terraform console failed/)
    }, TF_TIMEOUT)
  })
})

describe("hcl-eval: only expressions that refer to other resources, and nothing it does not know", () => {
  const scope: Scope = { vars: { a: null, n: 3, s: "x" }, locals: { names: { f: "fn" } } }

  test("evaluates the constructs those expressions use", () => {
    expect(evaluate("coalesce(var.a, aws_lambda_function.handler.version)", scope)).toBe(
      "<aws_lambda_function.handler.version>"
    )
    expect(evaluate("coalesce(var.s, aws_lambda_function.handler.version)", scope)).toBe("x")
    expect(evaluate("[var.s, local.names.f, 1, true, null]", scope)).toEqual(["x", "fn", 1, true, null])
    expect(evaluate("\"${local.names.f}-role\"", scope)).toBe("fn-role")
    expect(evaluate("\"$${literal}\"", scope)).toBe("${literal}")
    expect(evaluate("data.aws_caller_identity.current.account_id", scope)).toBe(
      "<data.aws_caller_identity.current.account_id>"
    )
    expect(evaluate("path.module", scope)).toBe(".")
  })

  test.each([
    ["a conditional", "var.a == null ? aws_sqs_queue.q.arn : var.a"],
    ["a comparison", "var.n <= 10"],
    ["a logical operator", "!var.a"],
    ["arithmetic", "var.n * 2"],
    ["a for expression", "[for x in var.s : x]"],
    ["a splat", "aws_sqs_queue.q[*].arn"],
    ["an index", "local.names[\"f\"]"],
    ["an object literal", "{ a = 1 }"],
    ["an unknown function", "upper(var.s)"],
    ["can()", "can(regex(\"a\", var.s))"],
    ["a template directive", "\"%{ if var.a }x%{ endif }\""],
    ["an unknown root", "each.value"],
    ["a keyword as reference", "for"],
    ["a trailing token", "var.n var.n"]
  ])("refuses %s loudly: %s", (_, expression) => {
    expect(() => evaluate(expression, scope)).toThrow(UnsupportedConstruct)
  })

  test("a reference to nothing is an error, not a silent null", () => {
    expect(() => evaluate("local.names.missing", scope)).toThrow(/unknown reference/)
    expect(() => evaluate("var.nope", scope)).toThrow(/unknown reference/)
  })

  test("only expressions that need it reach hcl-eval: the rest names only var. and local.", () => {
    expect([...referenceRoots("var.tracing_mode == \"Active\" ? [\"*\"] : []")]).toEqual(["var"])
    expect([...referenceRoots("coalesce(var.live_version, aws_lambda_function.handler.version)")].sort()).toEqual([
      "aws_lambda_function",
      "var"
    ])
    expect([...referenceRoots("\"a.b\" == local.x.y && 1.5 > 1")]).toEqual(["local"])
  })
})
