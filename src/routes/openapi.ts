// What the docs routes (docs.ts) load on their first visit, not at start-up: @elysiajs/openapi and
// Swagger UI's JavaScript and CSS, embedded at build time so the page works in a task without
// internet egress. Kept out of the start-up path they were a third of the binary's cold start
// (docs/performance.md); the build's code splitting leaves this module's chunk unread until then.
import { toOpenAPISchema } from '@elysiajs/openapi'
import type { AnyElysia } from 'elysia'
import swaggerCss from 'swagger-ui-dist/swagger-ui.css' with { type: 'text' }
import swaggerJs from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'text' }
import pkg from '../../package.json' with { type: 'json' }
import { registerFormats } from '../http/formats.ts'

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
    { name: 'Account', description: 'Confirmation, password recovery and change, the signed-in user.' },
    { name: 'Operations', description: 'For the load balancer.' },
  ],
}

type Operation = {
  requestBody?: { content?: Record<string, { schema: unknown }> }
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>
}

/**
 * The generated document, told what the generator cannot know: bodies are JSON only (our own body
 * reader, a function, hides that from it), errors are application/problem+json, and a 204 has no
 * content.
 */
export function openApiDocument(app: AnyElysia) {
  const { paths, components } = toOpenAPISchema(app, undefined, undefined, undefined, '3.1.0')
  const operations = (paths ?? {}) as Record<string, Record<string, Operation>>
  for (const route of app.routes) {
    const operation = operations[route.path]?.[route.method.toLowerCase()]
    const body = (route.hooks as { body?: unknown } | undefined)?.body
    if (operation?.requestBody && body) operation.requestBody.content = { 'application/json': { schema: body } }
  }
  for (const item of Object.values(operations)) {
    for (const operation of Object.values(item)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (status === '204') delete response.content
        else if (Number(status) >= 400 && response.content?.['application/json']) {
          response.content = { 'application/problem+json': response.content['application/json'] }
        }
      }
    }
  }
  return {
    openapi: '3.1.0',
    ...DOCUMENTATION,
    paths,
    components: {
      ...components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The access token from /signin.' } },
    },
  }
}
