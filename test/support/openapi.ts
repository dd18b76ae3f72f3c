// Reading the service's OpenAPI document in tests.

/** The part of a JSON Schema the tests look into. */
export type Schema = {
  type?: string
  properties?: Record<string, Schema>
  examples?: unknown[]
  anyOf?: Schema[]
  allOf?: Schema[]
  const?: unknown
  enum?: unknown[]
  $ref?: string
}

/** The problem codes a problem schema admits: its `code` literal or union of literals. */
export const codesOf = (schema: Schema): unknown[] => {
  // A route's problem: the shared Problem with the route's own `code` (allOf), or an inline one.
  const own = schema.allOf?.find((s) => s.properties?.code)
  const code = (own ?? schema).properties?.code
  if (!code) return []
  return code.anyOf ? code.anyOf.map((c) => c.const) : (code.enum ?? [code.const])
}
