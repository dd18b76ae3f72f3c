// Swagger UI and the OpenAPI document, served entirely from this service: the UI's JavaScript and
// CSS are embedded at build time, so the page works in a task without internet egress and under a
// CSP that allows nothing but this origin. @elysiajs/openapi (not the deprecated @elysiajs/swagger)
// turns the routes' own schemas into the document; its plugin's page is not used, because it loads
// the UI from a CDN and starts it with an inline script.
import { toOpenAPISchema } from '@elysiajs/openapi'
import { Elysia, type AnyElysia } from 'elysia'
import swaggerCss from 'swagger-ui-dist/swagger-ui.css' with { type: 'text' }
import swaggerJs from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'text' }
import pkg from '../../package.json' with { type: 'json' }

export const DOCS_PATH = '/swagger'

// The page's only script is a file of ours, so the CSP needs no 'unsafe-inline' for scripts.
// Swagger UI sets style attributes, hence style-src 'unsafe-inline'; images are data: URIs.
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// The empty icon spares every visit a /favicon.ico 404.
const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>user-service API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="swagger/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="swagger/assets/swagger-ui-bundle.js"></script>
<script src="swagger/assets/init.js"></script>
</body>
</html>
`

// Relative URLs, so the page also works behind a path prefix. validatorUrl: null, or Swagger UI
// sends the document to validator.swagger.io.
const INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: 'swagger/json', dom_id: '#swagger-ui', validatorUrl: null, deepLinking: true });
});
`

const asset = (body: string, type: string) => () =>
  new Response(body, { headers: { 'content-type': type, 'cache-control': 'public, max-age=86400', 'content-security-policy': DOCS_CSP } })

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

/** `app` is the whole application, read when the document is first asked for. */
export const docsRoutes = (app: AnyElysia) => {
  let document: ReturnType<typeof openApiDocument> | undefined
  return new Elysia()
    .get(`${DOCS_PATH}/json`, () => (document ??= openApiDocument(app)), { detail: { hide: true } })
    .get(DOCS_PATH, asset(PAGE, 'text/html; charset=utf-8'), { detail: { hide: true } })
    .get(`${DOCS_PATH}/assets/swagger-ui.css`, asset(swaggerCss, 'text/css; charset=utf-8'), { detail: { hide: true } })
    .get(`${DOCS_PATH}/assets/swagger-ui-bundle.js`, asset(swaggerJs, 'text/javascript; charset=utf-8'), { detail: { hide: true } })
    .get(`${DOCS_PATH}/assets/init.js`, asset(INIT, 'text/javascript; charset=utf-8'), { detail: { hide: true } })
}
