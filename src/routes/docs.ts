// Swagger UI and the OpenAPI document, served entirely from this service under a CSP that allows
// nothing but this origin. @elysiajs/openapi (not the deprecated @elysiajs/swagger) turns the
// routes' own schemas into the document; its plugin's page is not used, because it loads the UI
// from a CDN and starts it with an inline script. The document generator and the UI's assets are
// imported on the first visit (openapi.ts): /health and the API never wait for them.
import { Elysia, type AnyElysia } from 'elysia'
import { lazy } from '../lazy.ts'

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

const headersFor = (type: string) => ({
  'content-type': type,
  'cache-control': 'public, max-age=86400',
  'content-security-policy': DOCS_CSP,
})
const loadOpenApi = () => import('../openapi/document.ts')

/** `app` is the whole application, read when the document is first asked for. */
export const docsRoutes = (app: AnyElysia) => {
  const document = lazy(() => loadOpenApi().then(({ openApiDocument }) => openApiDocument(app)))
  const asset = (type: string, body: string | (() => Promise<string>)) => async () =>
    new Response(typeof body === 'string' ? body : await body(), { headers: headersFor(type) })
  return new Elysia()
    .get(`${DOCS_PATH}/json`, document, { detail: { hide: true } })
    .get(DOCS_PATH, asset('text/html; charset=utf-8', PAGE), { detail: { hide: true } })
    .get(
      `${DOCS_PATH}/assets/swagger-ui.css`,
      asset('text/css; charset=utf-8', async () => (await loadOpenApi()).SWAGGER_UI.css),
      { detail: { hide: true } },
    )
    .get(
      `${DOCS_PATH}/assets/swagger-ui-bundle.js`,
      asset('text/javascript; charset=utf-8', async () => (await loadOpenApi()).SWAGGER_UI.js),
      { detail: { hide: true } },
    )
    .get(`${DOCS_PATH}/assets/init.js`, asset('text/javascript; charset=utf-8', INIT), { detail: { hide: true } })
}
