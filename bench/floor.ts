// The floor: the ceiling plus what every auth request must do, each duty done as simply as it can
// be, with no framework. The same duties on both runtimes: bench/ceiling.ts with CEILING_FLOOR=1 on
// Bun, bench/node-floor.ts on Node, each writing the answers this module returns.
// - On every answer: the security headers, a request id and one access-log line (src/logging.ts).
// - On the Cognito routes also: the body checked against the route's declared fields (types,
//   lengths, an email's shape), a 400 problem when it fails, before any Cognito call; the per-call
//   deadline (src/cognito/deadline.ts, disarmed when the call settles); the metrics
//   (src/observability/metrics.ts: the request counter and histogram, the Cognito call's); mapping
//   Cognito's answer: parsed, an answer built only from the declared fields (so no undeclared field
//   can leak), the ID token's `sub` read for the event, an exception mapped to a problem by its
//   name; the auth-event line (the user by `sub` and the email as a keyed hash, as the product's).
// - On the two routes of a challenge, what any service of several tasks must do to answer one: the
//   session handed out names its user and account sealed beside Cognito's (AES-GCM, Web Crypto), and
//   is opened when it comes back (the product's own src/cognito/challenge-session.ts, as the product's
//   rule that a challenge answer names the actual username requires).
// The product does each of these and more; between this floor and the product is our own overhead.
import { createHmac } from 'node:crypto'
import { type ChallengeSessions, createChallengeSessions } from '../src/cognito/challenge-session.ts'
import { startDeadline } from '../src/cognito/deadline.ts'
import { SECURITY_HEADERS } from '../src/http/security-headers.ts'
import { batchedWriter, createLogger, type Logger, writeAll } from '../src/logging.ts'
import { createMetrics, type Metrics } from '../src/observability/metrics.ts'

type Body = Record<string, unknown>
type Field = 'email' | 'text' | 'object'
type Cognito = Record<string, unknown>

/** One Cognito route of the floor. */
export interface FloorRoute {
  path: string
  operation: string
  event: string
  okStatus: number
  /** The body's declared fields, all required. */
  fields: Record<string, Field>
  /** The username the SECRET_HASH is over, when the call needs one. */
  hashed?: (body: Body) => string
  input(body: Body, secretHash: string | undefined): unknown
  /** The answer from Cognito's, declared fields only, and the user's sub when it names one. */
  answer(out: Cognito): { body: Record<string, unknown>; sub?: string }
  /** A challenge's start seals the session it answers; its answer opens the one it is sent. */
  session?: 'seal' | 'open'
}

const EMAIL = /^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$/
const fieldOk = (value: unknown, field: Field): boolean =>
  field === 'object'
    ? typeof value === 'object' && value !== null
    : typeof value === 'string' && value.length > 0 && value.length <= 2048 && (field !== 'email' || EMAIL.test(value))

/** The first field of `body` that breaks `fields`, or undefined when the body is good. */
function invalidField(body: unknown, fields: Record<string, Field>): string | undefined {
  if (typeof body !== 'object' || body === null) return 'body'
  for (const name in fields) if (!fieldOk((body as Body)[name], fields[name]!)) return name
  return undefined
}

// Cognito's exception -> status and problem code, by name.
const PROBLEMS: Readonly<Record<string, [number, string]>> = {
  NotAuthorizedException: [401, 'not_authorized'],
  UserNotFoundException: [401, 'not_authorized'],
  UsernameExistsException: [409, 'username_exists'],
  CodeMismatchException: [400, 'code_mismatch'],
  TooManyRequestsException: [429, 'too_many_requests'],
}

const problem = (status: number, code: string) => ({ type: 'about:blank', title: code, status, code })

const tokensOf = (out: Cognito) => {
  const r = (out.AuthenticationResult ?? {}) as Record<string, unknown>
  return {
    accessToken: r.AccessToken,
    idToken: r.IdToken,
    ...(r.RefreshToken ? { refreshToken: r.RefreshToken } : {}),
    expiresIn: r.ExpiresIn,
    tokenType: 'Bearer',
  }
}
const subOf = (idToken: unknown): string | undefined => {
  try {
    const claims = JSON.parse(Buffer.from(String(idToken).split('.')[1] ?? '', 'base64url').toString()) as {
      sub?: unknown
    }
    return typeof claims.sub === 'string' ? claims.sub : undefined
  } catch {
    return undefined
  }
}
const signedIn = (out: Cognito) => {
  const body = tokensOf(out)
  return { body, sub: subOf(body.idToken) }
}

/** The floor's routes, with the same Cognito calls as the ceiling's. */
function floorRoutes(clientId: string, clientSecret: string): FloorRoute[] {
  return [
    {
      path: '/signup',
      operation: 'SignUp',
      event: 'sign_up',
      okStatus: 201,
      fields: { email: 'email', password: 'text', nickname: 'text' },
      hashed: (b) => b.email as string,
      input: (b, hash) => ({
        ClientId: clientId,
        Username: b.email,
        Password: b.password,
        SecretHash: hash,
        UserAttributes: [
          { Name: 'email', Value: b.email },
          { Name: 'nickname', Value: b.nickname },
        ],
      }),
      answer: (out) => {
        const d = (out.CodeDeliveryDetails ?? {}) as Record<string, unknown>
        return {
          body: {
            userConfirmed: out.UserConfirmed,
            codeDelivery: { destination: d.Destination, medium: d.DeliveryMedium, attribute: d.AttributeName },
          },
          sub: out.UserSub as string,
        }
      },
    },
    {
      path: '/signin',
      operation: 'InitiateAuth',
      event: 'sign_in',
      okStatus: 200,
      fields: { email: 'email', password: 'text' },
      hashed: (b) => b.email as string,
      input: (b, hash) => ({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: b.email, PASSWORD: b.password, SECRET_HASH: hash },
      }),
      answer: signedIn,
    },
    {
      path: '/signin/passwordless',
      operation: 'InitiateAuth',
      event: 'sign_in',
      okStatus: 200,
      fields: { email: 'email', method: 'text' },
      session: 'seal',
      hashed: (b) => b.email as string,
      input: (b, hash) => ({
        ClientId: clientId,
        AuthFlow: 'USER_AUTH',
        AuthParameters: { USERNAME: b.email, PREFERRED_CHALLENGE: 'EMAIL_OTP', SECRET_HASH: hash },
      }),
      answer: (out) => ({
        body: { challengeName: out.ChallengeName, session: out.Session, challengeParameters: out.ChallengeParameters },
      }),
    },
    {
      path: '/signin/challenge',
      operation: 'RespondToAuthChallenge',
      event: 'sign_in',
      okStatus: 200,
      fields: { email: 'email', challengeName: 'text', session: 'text', responses: 'object' },
      session: 'open',
      // The opened session's username, and Cognito's session in place of the sealed one.
      hashed: (b) => b.username as string,
      input: (b, hash) => ({
        ClientId: clientId,
        ChallengeName: b.challengeName,
        Session: b.session,
        ChallengeResponses: { ...(b.responses as object), USERNAME: b.username, SECRET_HASH: hash },
      }),
      answer: signedIn,
    },
    {
      path: '/token/refresh',
      operation: 'GetTokensFromRefreshToken',
      event: 'token_refresh',
      okStatus: 200,
      fields: { refreshToken: 'text' },
      input: (b) => ({ RefreshToken: b.refreshToken, ClientId: clientId, ClientSecret: clientSecret }),
      answer: (out) => ({ body: tokensOf(out) }),
    },
  ]
}

/** What the floor reads of a request besides its body. */
export interface FloorRequest {
  method: string
  path: string
  /** The X-Forwarded-For header the ALB appends, for the log lines. */
  ip: string | null
}

/** An answer of the floor as plain data, for the server of either runtime to write. */
export interface FloorAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * One Cognito call: `input` as JSON 1.1 to `operation` (X-Amz-Target). Resolves with Cognito's status
 * and body; rejects when the call fails or `signal` aborts it.
 */
export type CognitoCall = (
  operation: string,
  input: unknown,
  signal: AbortSignal,
) => Promise<{ status: number; text: string }>

/** The floor of one process: its Cognito routes and the duties around every answer. */
export interface Floor {
  readonly routes: readonly FloorRoute[]
  /**
   * An answer with the duties of every answer: the security headers, a request id (also in `headers`
   * as x-request-id) and the access-log line. `startedAt` is performance.now() when the request came.
   */
  answer(
    request: FloorRequest,
    startedAt: number,
    status: number,
    type: string,
    body: string,
    headers?: Record<string, string>,
  ): FloorAnswer
  /**
   * A Cognito route's whole answer: the body read by `readBody` (a rejection counts as no body) and
   * checked, the call made under an 8 s deadline, Cognito's answer mapped, both log lines written,
   * the metrics counted. Never rejects: a failed call is a 503 or 504 problem.
   */
  cognito(route: FloorRoute, ip: string | null, readBody: () => Promise<unknown>): Promise<FloorAnswer>
}

/** The deadline of every Cognito call, the product's default (COGNITO_TIMEOUT_MS). */
const DEADLINE_MS = 8000
/** How long a sealed session opens: the app client's AuthSessionValidity, 3 minutes by default. */
const SESSION_VALIDITY_MS = 3 * 60_000

/**
 * The floor for the app client `clientId` with `clientSecret` (also the key of the email's hash in
 * the auth event): `call` reaches Cognito, `secretHash` makes SECRET_HASH. Its lines go to stdout
 * through the product's batched logger; its metrics to a registry of its own, as the product's.
 */
export function createFloor(options: {
  clientId: string
  clientSecret: string
  call: CognitoCall
  secretHash: (username: string) => Promise<string>
}): Floor {
  const { call, secretHash, clientSecret } = options
  const sessions = createChallengeSessions([clientSecret], SESSION_VALIDITY_MS)
  const logger = createLogger({ level: 'info', write: batchedWriter((chunk) => writeAll(1, chunk)) })
  const metrics = createMetrics()
  const answer: Floor['answer'] = (request, startedAt, status, type, body, headers = {}) => {
    const reqId = crypto.randomUUID()
    logRequest(logger, reqId, request, status, performance.now() - startedAt)
    return { status, headers: { ...SECURITY_HEADERS, 'content-type': type, 'x-request-id': reqId, ...headers }, body }
  }
  return {
    routes: floorRoutes(options.clientId, clientSecret),
    answer,
    async cognito(route, ip, readBody) {
      const startedAt = performance.now()
      metrics.requestStarted()
      let body: unknown
      try {
        body = await readBody()
      } catch {
        body = undefined
      }
      const { status, payload, sub } = await cognitoOutcome(route, body, {
        call,
        secretHash,
        metrics,
        sessions,
        clientSecret,
      })
      const type = status < 300 ? 'application/json' : 'application/problem+json'
      const answered = answer(
        { method: 'POST', path: route.path, ip },
        startedAt,
        status,
        type,
        JSON.stringify(payload),
      )
      const outcome = status < 300 ? 'succeeded' : status < 500 ? 'failed' : 'error'
      const email = (body as Body | undefined)?.email
      const emailHash =
        typeof email === 'string'
          ? createHmac('sha256', clientSecret).update(email.toLowerCase()).digest('hex').slice(0, 32)
          : undefined
      logger.info('auth event', {
        event: route.event,
        outcome,
        reqId: answered.headers['x-request-id'],
        ip,
        ...(sub ? { sub } : {}),
        ...(emailHash ? { emailHash } : {}),
      })
      metrics.authEvent(route.event, outcome)
      metrics.requestFinished(route.path, 'POST', status, (performance.now() - startedAt) / 1000)
      return answered
    },
  }
}

/** The access-log line of one answer, `ms` after the request came. */
function logRequest(logger: Logger, reqId: string, request: FloorRequest, status: number, ms: number): void {
  logger.info('request', {
    reqId,
    method: request.method,
    path: request.path,
    status,
    durationMs: Math.round(ms * 100) / 100,
    ip: request.ip,
  })
}

/** A Cognito route's status and payload for `body`: checked, called with `call`, mapped. */
async function cognitoOutcome(
  route: FloorRoute,
  body: unknown,
  {
    call,
    secretHash,
    metrics,
    sessions,
    clientSecret,
  }: {
    clientSecret: string
    call: CognitoCall
    secretHash: (username: string) => Promise<string>
    metrics: Metrics
    sessions: Promise<ChallengeSessions>
  },
): Promise<{ status: number; payload: unknown; sub?: string }> {
  const invalid = invalidField(body, route.fields)
  if (invalid !== undefined) return { status: 400, payload: { ...problem(400, 'invalid_request'), fields: [invalid] } }
  let b = body as Body
  if (route.session === 'open') {
    const opened = await (await sessions).open(b.session as string).catch(() => undefined)
    if (!opened) return { status: 400, payload: problem(400, 'session_expired') }
    b = { ...b, session: opened.session, username: opened.claims.username }
  }
  const hash = route.hashed ? await secretHash(route.hashed(b)) : undefined
  const deadline = startDeadline(DEADLINE_MS)
  const callStarted = performance.now()
  try {
    const upstream = await call(route.operation, route.input(b, hash), deadline.signal)
    const out = JSON.parse(upstream.text) as Cognito
    const ok = upstream.status >= 200 && upstream.status < 300
    const name = ok ? 'ok' : String(out.__type ?? 'other_error')
    metrics.cognitoCall(route.operation, name, (performance.now() - callStarted) / 1000, 0)
    if (ok) {
      const answer = route.answer(out)
      if (route.session === 'seal') answer.body.session = await sealed(await sessions, clientSecret, b, out)
      return { status: route.okStatus, payload: answer.body, ...(answer.sub ? { sub: answer.sub } : {}) }
    }
    const [status, code] = PROBLEMS[name] ?? [502, 'upstream_error']
    return { status, payload: problem(status, code) }
  } catch {
    const status = deadline.signal.aborted ? 504 : 503
    return { status, payload: problem(status, status === 504 ? 'upstream_timeout' : 'upstream_unavailable') }
  } finally {
    deadline.clear()
  }
}

/** Cognito's session sealed with the user it names and the email's account (a keyed hash, as the product's). */
function sealed(sessions: ChallengeSessions, key: string, b: Body, out: Cognito): Promise<string> {
  const parameters = (out.ChallengeParameters ?? {}) as Record<string, unknown>
  const email = String(b.email).toLowerCase()
  return sessions.seal(
    {
      account: createHmac('sha256', key).update(email).digest('base64url'),
      username: String(parameters.USERNAME ?? email),
    },
    String(out.Session),
  )
}
