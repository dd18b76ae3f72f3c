// What the docs routes (docs.ts) load on their first visit, not at start-up: @elysiajs/openapi and
// Swagger UI's JavaScript and CSS, embedded at build time so the page works in a task without
// internet egress. Kept out of the start-up path they were a third of the binary's cold start
// (docs/performance.md); the build's code splitting leaves this module's chunk unread until then.
import { toOpenAPISchema } from '@elysiajs/openapi'
import type { AnyElysia } from 'elysia'
import swaggerCss from 'swagger-ui-dist/swagger-ui.css' with { type: 'text' }
import swaggerJs from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'text' }
import pkg from '../../package.json' with { type: 'json' }
import { MAX_BODY_BYTES, SERVER_MAX_BODY_BYTES } from '../http/body.ts'
import { registerFormats } from '../http/formats.ts'
import { isOptionalBody } from '../http/optional-body.ts'
import { declarationsOf } from '../policies/route-index.ts'
import { ProblemBody } from '../schemas/problems.ts'
import { ChallengeResponse, TokenResponse } from '../schemas/sign-in.ts'

// Importing @elysiajs/openapi has just replaced TypeBox's string formats with its own (slow) ones:
// put ours back before the next request is validated.
registerFormats()

export const SWAGGER_UI = { css: swaggerCss, js: swaggerJs }

const DOCUMENTATION = {
  info: {
    title: 'user-service',
    version: pkg.version,
    description:
      'Sign-up, sign-in and the account lifecycle in front of Amazon Cognito. Every error is RFC 9457 ' +
      'application/problem+json with a stable `code`.',
  },
  tags: [
    { name: 'Sign-up and sign-in', description: 'Creating accounts and sessions.' },
    {
      name: 'Account',
      description: 'Confirmation, password recovery and change, the signed-in user, deleting the account.',
    },
    { name: 'Two-step sign-in', description: 'Authenticator apps (TOTP): setting one up and turning it off.' },
    { name: 'Passwordless sign-in and passkeys', description: 'Emailed one-time codes, passkeys.' },
    { name: 'Sessions', description: 'Signing out one device or one session.' },
    { name: 'Token check', description: 'For proxies and services: is this access token good, and whose is it?' },
    { name: 'Operations', description: 'For the load balancer.' },
  ],
}

type Operation = {
  requestBody?: { required?: boolean; content?: Record<string, { schema: unknown }> }
  responses?: Record<
    string,
    { description?: string; headers?: Record<string, unknown>; content?: Record<string, { schema?: unknown }> }
  >
}
type Schema = Record<string, unknown>

// Shapes shared across operations, under components.schemas, so a generated client has one type each.
const NAMED_SCHEMAS = { Problem: ProblemBody, TokenResponse, ChallengeResponse } as const

const header = (description: string, schema: Schema = { type: 'string' }) => ({ description, schema })
const HEADERS = {
  'X-Request-Id': header(
    'This answer’s request id: the one the request sent when well-formed (1-128 of `A-Za-z0-9_.:-`), else a new UUID. Quote it when reporting a problem.',
  ),
  'X-Amzn-Trace-Id': header(
    'The load balancer’s trace id, echoed when the request carried one; it is also in the load balancer’s access log.',
  ),
  'Retry-After': header('Seconds until the limit lets a request through again (RFC 9110 §10.2.3).', {
    type: 'integer',
    minimum: 1,
  }),
  'WWW-Authenticate': header(
    'The authentication scheme the route expects, and why the request failed (RFC 9110 §11.6.1, RFC 6750 §3).',
  ),
}
const headerRef = (name: keyof typeof HEADERS) => ({ $ref: `#/components/headers/${name}` })

/**
 * The generated document, told what the generator cannot know: bodies are JSON only (our own body
 * reader, a function, hides that from it), errors are application/problem+json, and a 204 has no
 * content.
 */
export function openApiDocument(app: AnyElysia) {
  const { paths, components } = toOpenAPISchema(app, undefined, undefined, undefined, '3.1.0')
  const operations = (paths ?? {}) as Record<string, Record<string, Operation>>
  // What each success answer means, where the route's own schema gives the generator nothing to say.
  const successDescriptions = new Map<Operation, string>()
  for (const route of app.routes) {
    // The document names a path parameter {name}, the route :name.
    const operation = operations[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()]
    const body = (route.hooks as { body?: unknown } | undefined)?.body
    // A body a request may leave out (t.Optional) is not required, whatever the generator says.
    if (operation?.requestBody && body)
      operation.requestBody = {
        ...operation.requestBody,
        required: !isOptionalBody(body),
        content: { 'application/json': { schema: body } },
      }
    const success = declarationsOf(route).successDescription
    if (operation && success !== undefined) successDescriptions.set(operation, success)
  }
  const named = new Map(
    Object.entries(NAMED_SCHEMAS).map(([name, schema]) => [canonical(readableRecords(plain(schema))), name]),
  )
  const problemKeys = canonical(Object.keys(plain(ProblemBody).properties as Schema).sort())
  // Replaces a shared shape with a reference to its name; a problem narrowed to a status's codes
  // becomes Problem with its own `code`.
  const share = (schema: Schema): Schema => {
    const name = named.get(canonical(schema))
    if (name) return { $ref: `#/components/schemas/${name}` }
    const properties = schema.properties as Schema | undefined
    if (properties && canonical(Object.keys(properties).sort()) === problemKeys) {
      return {
        description: schema.description,
        allOf: [{ $ref: '#/components/schemas/Problem' }, { type: 'object', properties: { code: properties.code } }],
      }
    }
    if (Array.isArray(schema.anyOf)) return { ...schema, anyOf: schema.anyOf.map((s: Schema) => share(s)) }
    return schema
  }
  for (const item of Object.values(operations)) {
    for (const operation of Object.values(item)) {
      for (const body of Object.values(operation.requestBody?.content ?? {}))
        body.schema = readableRecords(plain(body.schema))
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const code = Number(status)
        if (status === '204') delete response.content
        else if (code >= 400 && response.content?.['application/json']) {
          response.content = { 'application/problem+json': response.content['application/json'] }
        }
        for (const media of Object.values(response.content ?? {}))
          if (media.schema) media.schema = share(readableRecords(media.schema as Schema))
        const meaning = code < 300 ? successDescriptions.get(operation) : undefined
        if (meaning) response.description = meaning
        if (code === 413) {
          response.description = `${response.description} A body over ${MAX_BODY_BYTES} bytes is refused with this problem; one over ${SERVER_MAX_BODY_BYTES} bytes is refused by the server before it is read, with an empty 413 (no body, no content type).`
        }
        response.headers = {
          'X-Request-Id': headerRef('X-Request-Id'),
          'X-Amzn-Trace-Id': headerRef('X-Amzn-Trace-Id'),
          ...(code === 429 ? { 'Retry-After': headerRef('Retry-After') } : {}),
          ...(code === 401 ? { 'WWW-Authenticate': headerRef('WWW-Authenticate') } : {}),
        }
      }
    }
  }
  return {
    openapi: '3.1.0',
    ...DOCUMENTATION,
    // Relative: the document is served by the API it describes, so a generated client's base URL is that origin.
    servers: [{ url: '/', description: 'This service (the origin that serves this document).' }],
    paths,
    components: {
      ...components,
      schemas: {
        ...(components?.schemas as Schema | undefined),
        ...Object.fromEntries(
          Object.entries(NAMED_SCHEMAS).map(([name, schema]) => [name, readableRecords(plain(schema))]),
        ),
      },
      headers: HEADERS,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The access token from /signin.' },
      },
    },
  }
}

/** A TypeBox schema as plain JSON (its symbol-keyed markers dropped). */
const plain = (schema: unknown): Schema => JSON.parse(JSON.stringify(schema)) as Schema

/**
 * Every map shape (`patternProperties`, how TypeBox writes a Record) rewritten as
 * `additionalProperties` with the value type, which every generator reads (some type
 * `patternProperties` as unknown); a key pattern other than "anything" stays as `propertyNames`.
 */
function readableRecords(schema: Schema): Schema {
  if (Array.isArray(schema))
    return schema.map((s) => (typeof s === 'object' && s !== null ? readableRecords(s) : s)) as unknown as Schema
  const out: Schema = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'patternProperties' && value && typeof value === 'object') {
      const [[pattern, valueSchema]] = Object.entries(value as Schema) as [[string, Schema]]
      out.additionalProperties = readableRecords(valueSchema)
      if (pattern !== '^(.*)$') out.propertyNames = { pattern }
    } else if (key === 'additionalProperties' && value === false && 'patternProperties' in schema) {
    } else {
      out[key] = value && typeof value === 'object' ? readableRecords(value as Schema) : value
    }
  }
  return out
}

/** JSON with sorted keys: two schemas written in a different key order compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Schema)[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}
