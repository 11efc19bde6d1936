import { afterAll, beforeAll } from "bun:test"
import { type Engine, startEngine } from "./engine.ts"
import { type Configuration, loadConfiguration } from "./load.ts"

/**
 * For the tests of one file: terraform/ as hcl2json reads it and a real terraform engine, handed to `ready`
 * before the first test (within `timeoutMs`: hcl2json's first parse and terraform init are slow on a loaded
 * core), the engine closed after the last.
 */
export const terraformUnderTest = (timeoutMs: number, ready: (tf: Configuration, engine: Engine) => void): void => {
  let engine: Engine | undefined
  beforeAll(async () => {
    const tf = await loadConfiguration()
    engine = startEngine()
    ready(tf, engine)
  }, timeoutMs)
  afterAll(() => engine?.close())
}
