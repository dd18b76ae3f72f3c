// The example page of passwordless sign-in (index.html), for `npm start` only: the service itself
// never serves it. The page calls the API on its own origin; this server hands every other path to
// the service unchanged, as a reverse proxy in front of both would in production.
import { readFileSync } from 'node:fs'

const PAGE = readFileSync(new URL('./index.html', import.meta.url), 'utf8')
// The page's only script is inline; it talks to its own origin (the API behind this proxy) only.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'",
  'cache-control': 'no-store',
}

export interface ExamplePage {
  /** Where the page is, e.g. http://localhost:8081/ (on localhost: passkeys need the RP id's host). */
  url: string
  stop(): void
}

/**
 * Serves the page at / on `port` (0: any free port) and forwards every other request to `apiUrl`.
 * @param apiUrl the service's base URL, e.g. http://127.0.0.1:8080.
 */
export function startExamplePage({ port, apiUrl }: { port: number; apiUrl: string }): ExamplePage {
  const server = Bun.serve({
    port,
    hostname: 'localhost',
    async fetch(request) {
      const url = new URL(request.url)
      if (request.method === 'GET' && url.pathname === '/') return new Response(PAGE, { headers: PAGE_HEADERS })
      const headers = new Headers(request.headers)
      headers.delete('host')
      const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer()
      const answer = await fetch(`${apiUrl}${url.pathname}${url.search}`, { method: request.method, headers, body })
      return new Response(answer.body, { status: answer.status, headers: answer.headers })
    },
  })
  return { url: `http://localhost:${server.port}/`, stop: () => server.stop(true) }
}
