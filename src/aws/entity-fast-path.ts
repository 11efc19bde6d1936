import type { Entity } from "dynamodb-toolbox/entity"

/**
 * dynamodb-toolbox's item parser and formatter, for the inputs they take as they are, without their generic
 * machinery. Toolbox parses an item through a generator per attribute, four passes of Object.entries, map, filter
 * and fromEntries, and a RegExp built per attribute to match a projection even when there is none; on Bun's
 * JavaScriptCore (DFG, no FTL) that was a third of an add's JavaScript and a sixth of a read's (README, #16).
 *
 * `entityFastPath` reads the entity's schema once. It serves only a schema made of string, number and boolean
 * attributes whose options it knows (key, required, hidden, enum, a constant put default such as the entity
 * attribute's, savedAs) on a table with a partition key alone; for any other it returns undefined and every
 * item goes to toolbox. Each function gives exactly what toolbox gives (the same keys in the same order), or
 * undefined for an input it does not take as it is: one toolbox would reject (so toolbox's own error is the one
 * reported), fill otherwise, or that carries anything else. Callers then hand that input to toolbox.
 * test/unit/entity-fast-path.test.ts holds the two side by side on generated inputs.
 */
export interface EntityFastPath {
  /** `EntityParser.parse(input).item`: the item a put writes, under its saved names. */
  readonly putItem: (input: unknown) => Record<string, unknown> | undefined
  /** `EntityParser.parse(input, { mode: "key" }).key`: the primary key a get reads. */
  readonly key: (input: unknown) => Record<string, unknown> | undefined
  /** `EntityFormatter.format(item)`: a stored item as the entity's attributes, hidden ones left out. */
  readonly format: (item: unknown) => Record<string, unknown> | undefined
}

type Primitive = string | number | boolean

interface Attribute {
  readonly name: string
  readonly savedAs: string
  readonly type: "string" | "number" | "boolean"
  readonly key: boolean
  readonly hidden: boolean
  /**
   * Required on put and when formatting: anything but required "never" (toolbox's isRequired in put mode, and its
   * formatter's "always", "atLeastOnce" or unset: the same, as the known values are these four).
   */
  readonly required: boolean
  /** Required in key mode: required "always". */
  readonly requiredAsKey: boolean
  readonly enumValues: ReadonlyArray<Primitive> | undefined
  readonly putDefault: Primitive | undefined
}

// The attribute options the fast path knows. updateDefault and updateLink only act in update mode, which it never serves.
const KNOWN_PROPS = new Set([
  "key",
  "required",
  "hidden",
  "enum",
  "putDefault",
  "updateDefault",
  "updateLink",
  "savedAs"
])
const REQUIRED = new Set([undefined, "always", "atLeastOnce", "never"])

const isPrimitive = (value: unknown): value is Primitive =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean"

/** toolbox's isValidPrimitive for these types (number: not NaN; no bigint, as `big` is not among the known options). */
const valid = (type: Attribute["type"], value: unknown): boolean =>
  type === "number" ? typeof value === "number" && !Number.isNaN(value) : typeof value === type

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== "object" || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** The schema's attributes as the fast path needs them, or undefined when one is beyond it. */
const attributesOf = (attributes: Record<string, { type: string; props: Record<string, unknown> }>) => {
  const out: Array<Attribute> = []
  for (const name in attributes) {
    const { type, props } = attributes[name]!
    if (type !== "string" && type !== "number" && type !== "boolean") return undefined
    if (Object.keys(props).some((prop) => !KNOWN_PROPS.has(prop)) || !REQUIRED.has(props.required as never)) {
      return undefined
    }
    const enumValues = props.enum
    if (enumValues !== undefined && !(Array.isArray(enumValues) && enumValues.every(isPrimitive))) return undefined
    const putDefault = props.putDefault
    if (putDefault !== undefined && (!isPrimitive(putDefault) || props.key === true)) return undefined
    if (props.savedAs !== undefined && typeof props.savedAs !== "string") return undefined
    out.push({
      name,
      savedAs: (props.savedAs as string | undefined) ?? name,
      type,
      key: props.key === true,
      hidden: props.hidden === true,
      required: props.required !== "never",
      requiredAsKey: props.required === "always",
      enumValues: enumValues as ReadonlyArray<Primitive> | undefined,
      putDefault
    })
  }
  return out
}

/** Whether every own key of `input` names one of `names`. */
const onlyKeysOf = (input: Record<string, unknown>, names: ReadonlySet<string>): boolean => {
  for (const key in input) if (!names.has(key)) return false
  return Object.getOwnPropertySymbols(input).length === 0
}

const inEnum = (attribute: Attribute, value: unknown): boolean =>
  attribute.enumValues === undefined || attribute.enumValues.includes(value as Primitive)

// The entity's and table's fields the fast path reads (toolbox types them generically).
interface EntityShape {
  readonly entityName: string
  readonly entityAttribute: unknown
  readonly computeKey?: unknown
  readonly schema: { readonly type: string; readonly props: object; readonly attributes: object }
  readonly table: {
    readonly partitionKey: { readonly name: string; readonly type: string }
    readonly sortKey?: unknown
    readonly entityAttributeSavedAs: string
  }
}

export const entityFastPath = (toolboxEntity: Entity): EntityFastPath | undefined => {
  const entity = toolboxEntity as unknown as EntityShape
  const { schema, table } = entity
  if (schema.type !== "item" || Object.keys(schema.props).length > 0) return undefined
  if (entity.computeKey !== undefined || table.sortKey !== undefined) return undefined
  const partitionKey = table.partitionKey
  if (partitionKey.type !== "string" && partitionKey.type !== "number") return undefined
  const attributes = attributesOf(schema.attributes as never)
  if (attributes === undefined) return undefined
  const keyAttributes = attributes.filter((a) => a.key)
  const names = new Set(attributes.map((a) => a.name))
  const keyNames = new Set(keyAttributes.map((a) => a.name))
  // The entity attribute, filled in by EntityFormatter when a stored item lacks it (an item written before it was on).
  const entityAttributeSavedAs = entity.entityAttribute === false ? undefined : table.entityAttributeSavedAs
  // PrimaryKeyParser's check of the partition key (a number key may also be a bigint there: left to toolbox).
  const partitionKeyOf = (item: Record<string, unknown>) => {
    const value = item[partitionKey.name]
    return valid(partitionKey.type as Attribute["type"], value) ? { [partitionKey.name]: value } : undefined
  }

  const putItem = (input: unknown) => {
    if (!isPlainObject(input) || !onlyKeysOf(input, names)) return undefined
    const item: Record<string, unknown> = {}
    for (const attribute of attributes) {
      let value = input[attribute.name]
      if (value === undefined && !attribute.key) value = attribute.putDefault
      if (value === undefined) {
        if (attribute.required) return undefined
        continue
      }
      if (!valid(attribute.type, value) || !inEnum(attribute, value)) return undefined
      item[attribute.savedAs] = value
    }
    // toolbox returns { ...item, ...key }: the key's attributes are already in the item, in place.
    return partitionKeyOf(item) === undefined ? undefined : item
  }

  const key = (input: unknown) => {
    if (!isPlainObject(input) || !onlyKeysOf(input, keyNames)) return undefined
    const item: Record<string, unknown> = {}
    for (const attribute of keyAttributes) {
      const value = input[attribute.name]
      if (value === undefined) {
        if (attribute.requiredAsKey) return undefined
        continue
      }
      if (!valid(attribute.type, value) || !inEnum(attribute, value)) return undefined
      item[attribute.savedAs] = value
    }
    return partitionKeyOf(item)
  }

  const format = (stored: unknown) => {
    if (!isPlainObject(stored)) return undefined
    const out: Record<string, unknown> = {}
    for (const attribute of attributes) {
      let value = stored[attribute.savedAs]
      if (value === undefined && attribute.savedAs === entityAttributeSavedAs) value = entity.entityName
      if (value === undefined) {
        if (attribute.required) return undefined
        continue
      }
      if (!valid(attribute.type, value) || !inEnum(attribute, value)) return undefined
      if (!attribute.hidden) out[attribute.name] = value
    }
    return out
  }

  return { putItem, key, format }
}
