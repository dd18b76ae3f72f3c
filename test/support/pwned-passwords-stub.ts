// A stand-in for Have I Been Pwned's Pwned Passwords range API (GET /range/{first 5 hex of the SHA-1}),
// over real HTTP: the tests and `npm start` point BREACHED_PASSWORD_API_URL at it, so nothing reaches
// the internet. It answers the way the API documents (https://haveibeenpwned.com/API/v3#PwnedPasswords):
// `SUFFIX:COUNT` lines (CRLF), and with `Add-Padding: true` enough `SUFFIX:0` lines to make every answer
// 800 to 1000 lines long. It keeps every request it got, to show what left the service.
import { createHash } from 'node:crypto'

/**
 * Passwords Have I Been Pwned lists (each seen in breaches thousands of times), every one of them
 * good enough for the pool's password policy (8+ characters, upper, lower, digit, symbol).
 */
export const BREACHED_PASSWORDS = [
  'P@ssw0rd',
  'Password1!',
  'Passw0rd!',
  'Qwerty123!',
  'Welcome1!',
  'Sunshine1!',
] as const

export interface RangeRequest {
  path: string
  /** The query string, e.g. `?mode=sha1`. */
  search: string
  headers: Record<string, string>
}

export interface PwnedPasswordsStub {
  /** The base URL: BREACHED_PASSWORD_API_URL. */
  url: string
  /** Every request so far. */
  requests: RangeRequest[]
  /** Milliseconds before each answer (0: at once). */
  delayMs: number
  /** An HTTP status to fail every request with (undefined: answer). */
  failWith: number | undefined
  stop(): void
}

const sha1 = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase()
const randomSuffix = () => createHash('sha1').update(crypto.randomUUID()).digest('hex').toUpperCase().slice(5)

/** Starts the stub on a free port of 127.0.0.1 with `breached` (BREACHED_PASSWORDS by default) in its corpus. */
export function startPwnedPasswordsStub(
  breached: readonly string[] = BREACHED_PASSWORDS,
  { port = 0 }: { port?: number } = {},
): PwnedPasswordsStub {
  const corpus = breached.map((password) => ({ hash: sha1(password), count: 100_000 }))
  const stub: PwnedPasswordsStub = {
    url: '',
    requests: [],
    delayMs: 0,
    failWith: undefined,
    stop: () => server.stop(true),
  }
  const server = Bun.serve({
    port,
    hostname: '127.0.0.1',
    async fetch(request) {
      const url = new URL(request.url)
      stub.requests.push({ path: url.pathname, search: url.search, headers: Object.fromEntries(request.headers) })
      if (stub.delayMs > 0) await Bun.sleep(stub.delayMs)
      if (stub.failWith !== undefined) return new Response('unavailable', { status: stub.failWith })
      const prefix = /^\/range\/([0-9A-Fa-f]{5})$/.exec(url.pathname)?.[1]?.toUpperCase()
      if (prefix === undefined) return new Response('The hash prefix was not in a valid format', { status: 400 })
      const lines = corpus
        .filter(({ hash }) => hash.startsWith(prefix))
        .map(({ hash, count }) => `${hash.slice(5)}:${count}`)
      // Real ranges list a few hundred suffixes each: some that are no password of ours.
      for (let i = 0; i < 3; i++) lines.push(`${randomSuffix()}:${i + 1}`)
      if (request.headers.get('add-padding') === 'true') {
        const target = 800 + Math.floor(Math.random() * 201)
        while (lines.length < target) lines.push(`${randomSuffix()}:0`)
      }
      return new Response(lines.join('\r\n'), { headers: { 'content-type': 'text/plain' } })
    },
  })
  stub.url = `http://127.0.0.1:${server.port}`
  return stub
}
