// The routes as the app registers them (Elysia's route list) and, from each route's body schema,
// the inputs that must be refused: the fuzz and bad-input tests iterate these, so a new route is
// covered the moment it is registered. Only the route list, `hooks.body` (TypeBox JSON schema, and
// whether it is optional) and the app's answers are read, never the schema modules themselves.
import { KindGuard, type TSchema } from '@sinclair/typebox'
import { inProcessApp } from './in-process-app.ts'

/** A JSON schema as TypeBox writes it, reduced to the keywords read here. */
export interface BodySchema {
  type?: string
  properties?: Record<string, BodySchema>
  required?: string[]
  patternProperties?: Record<string, BodySchema>
  anyOf?: BodySchema[]
  const?: unknown
  examples?: unknown[]
  format?: string
  pattern?: string
  minLength?: number
  maxLength?: number
  /** The pattern's rule in words (src/http/validation-problem.ts). */
  'x-rule'?: string
}

export interface ApiRoute {
  method: string
  /** Elysia's pattern, `:name` for a path parameter. */
  path: string
  body: BodySchema | undefined
  /** A request may leave the body out (a `t.Optional` schema): no body at all is valid, not unreadable. */
  bodyOptional: boolean
  /** Refuses a request without an access token (401 missing_token) before anything else. */
  bearer: boolean
}

/** The largest body the service reads (src/http/body.ts): longer values are a 413, not a 400. */
const BODY_LIMIT = 16 * 1024

/**
 * Every route of the whole API (documentation routes included when `env` turns them on), each with
 * its body schema and whether it takes a bearer token: found by asking an in-process app (stub
 * gateway) for the route without a token.
 */
export async function apiRoutes(env: Record<string, string> = {}): Promise<ApiRoute[]> {
  const app = inProcessApp(env)
  const registered = (await app.routes).routes
  return Promise.all(
    registered.map(async ({ method, path, hooks }) => {
      const answer = await app.call(method, concretePath(path))
      const bearer = answer.status === 401 && answer.body?.code === 'missing_token'
      const body = hooks.body as BodySchema | undefined
      return { method, path, body, bodyOptional: body !== undefined && KindGuard.IsOptional(body as TSchema), bearer }
    }),
  )
}

/** `path` with each parameter filled in (`value` by default, which every parameter pattern accepts). */
export const concretePath = (path: string, value = 'abc123') => path.replace(/:[^/]+/g, encodeURIComponent(value))

/**
 * A body the schema accepts, made of each field's first OpenAPI example (the first choice of a
 * union, `fallback` for a string without one).
 */
export function exampleOf(schema: BodySchema, fallback = 'example'): unknown {
  if (schema.examples?.length) return schema.examples[0]
  if (schema.const !== undefined) return schema.const
  if (schema.anyOf?.length) return exampleOf(schema.anyOf[0]!, fallback)
  if (schema.properties)
    return Object.fromEntries(
      Object.entries(schema.properties).map(([name, field]) => [name, exampleOf(field, fallback)]),
    )
  if (schema.type === 'object') return {}
  return fallback
}

export interface BadBody {
  name: string
  body: unknown
  /** The JSON pointers the 400 must name: exactly these. */
  fields: string[]
  /** What the 400's detail must contain: the field and the rule it broke. */
  detail?: string
}

/** In the name of every unknown field badBodies sends: no answer may contain it. */
export const UNKNOWN_FIELD_MARK = '_unknownField'

// Values to try against a field's pattern: the first one the pattern refuses is the field's bad value.
const PATTERN_BREAKERS = ['two words', 'nul\u0000inside', 'esc\u001b[31mred', 'line\nbreak', ' leading', 'lowercase']

/**
 * For a body schema, the bodies a validating route must refuse with a 400 naming exactly `fields`:
 * each required field missing; each field of the wrong type, over its maximum length, under its
 * minimum, against its pattern, format or choices; only unknown fields. Every other field keeps its
 * example value, so each body is wrong in one place. `secret` is carried in the values that may be
 * echoed by mistake.
 */
export function badBodies(schema: BodySchema, secret: string): BadBody[] {
  const valid = exampleOf(schema) as Record<string, unknown>
  const required = [...(schema.required ?? [])].sort()
  const cases: BadBody[] = []
  const with_ = (name: string, field: string, value: unknown, rule?: string) =>
    cases.push({
      name: `${field} ${name}`,
      body: { ...valid, [field]: value },
      fields: [`/${field}`],
      ...(rule ? { detail: `${field} ${rule}` } : {}),
    })
  for (const field of required) {
    const { [field]: _left, ...rest } = valid
    cases.push({ name: `${field} missing`, body: rest, fields: [`/${field}`], detail: `${field} is missing` })
  }
  for (const [field, property] of Object.entries(schema.properties ?? {})) {
    for (const [name, value] of wrongTypes(property, secret)) with_(name, field, value)
    for (const [name, value, rule] of badValues(property, secret)) with_(name, field, value, rule)
  }
  if (required.length > 0) {
    cases.push({ name: 'an empty object', body: {}, fields: required.map((f) => `/${f}`) })
    // Unknown fields are never named: their names are the client's.
    cases.push({
      name: 'only unknown fields',
      body: {
        [`admin${UNKNOWN_FIELD_MARK}`]: true,
        [`note${UNKNOWN_FIELD_MARK}`]: secret,
        [`nested${UNKNOWN_FIELD_MARK}`]: { password: secret },
      },
      fields: required.map((f) => `/${f}`),
    })
  }
  return cases
}

function wrongTypes(schema: BodySchema, secret: string): Array<[string, unknown]> {
  if (schema.type === 'object')
    return [
      ['is a string', secret],
      ['is an array', [secret]],
      ['is null', null],
    ]
  return [
    ['is a number', 12345678],
    ['is null', null],
    ['is an array', [secret]],
    ['is an object', { value: secret }],
  ]
}

/** Bad values for a field, each with the rule the 400's detail must say of it, where it is certain. */
function badValues(schema: BodySchema, secret: string): Array<[string, string, string?]> {
  const values: Array<[string, string, string?]> = []
  if (schema.anyOf?.every((choice) => choice.const !== undefined))
    values.push(['is none of the choices', 'none-of-these'])
  if (schema.type !== 'string') return values
  if (schema.maxLength !== undefined && schema.maxLength < BODY_LIMIT - 1024)
    values.push([
      `over ${schema.maxLength} characters`,
      secret.padEnd(schema.maxLength + 1, 'x'),
      `must be at most ${schema.maxLength} characters`,
    ])
  if ((schema.minLength ?? 0) > 0) values.push(['empty', ''])
  if (schema.format === 'email') values.push(['not an email', 'not-an-email'], ['emoji', '😀😀😀'])
  if (schema.pattern !== undefined) {
    const pattern = new RegExp(schema.pattern, 'u')
    const breaker = PATTERN_BREAKERS.map((b) => `${b}${secret}`).find((b) => !pattern.test(b))
    // Every pattern says its rule in words (`x-rule`); a format, checked first, would say its own.
    const rule = schema.format === undefined ? (schema['x-rule'] ?? 'says its rule (x-rule missing)') : undefined
    if (breaker !== undefined)
      values.push([`against its pattern (${JSON.stringify(breaker.slice(0, 12))}…)`, breaker, rule])
  }
  return values
}
