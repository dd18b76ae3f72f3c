// The floor's Cognito routes (bench/ceiling.ts with CEILING_FLOOR=1): the ceiling plus what every
// auth request must do, each done as simply as it can be, with no framework:
// - the body checked against the route's declared fields (types, lengths, an email's shape): a 400
//   problem when it fails, before any Cognito call;
// - the per-call deadline (src/cognito/deadline.ts, disarmed when the call settles);
// - the metrics (src/observability/metrics.ts: the request counter and histogram, the Cognito call's);
// - mapping Cognito's answer: parsed, an answer built only from the declared fields (so no
//   undeclared field can leak), the ID token's `sub` read for the event, an exception mapped to a
//   problem by its name;
// - the security headers and request id, the access-log line and the auth-event line (the user by
//   `sub` and the email as a keyed hash, as the product's).
// The product does each of these and more; between this floor and the product is our own overhead.
import { createHmac } from 'node:crypto'
import { startDeadline } from '../src/cognito/deadline.ts'
import { SECURITY_HEADERS } from '../src/http/security-headers.ts'
import type { Logger } from '../src/logging.ts'
import type { createMetrics } from '../src/observability/metrics.ts'

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
export function floorRoutes(clientId: string, clientSecret: string): FloorRoute[] {
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
      hashed: (b) => b.email as string,
      input: (b, hash) => ({
        ClientId: clientId,
        ChallengeName: b.challengeName,
        Session: b.session,
        ChallengeResponses: { ...(b.responses as object), USERNAME: b.email, SECRET_HASH: hash },
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

/**
 * A Bun.serve handler for `route`: check, call (with `secretHash`, under an 8 s deadline), map,
 * answer, log both lines, count.
 */
export function floorHandler(
  route: FloorRoute,
  endpoint: string,
  secretHash: (username: string) => Promise<string>,
  emailKey: string,
  logger: Logger,
  metrics: ReturnType<typeof createMetrics>,
): (request: Request) => Promise<Response> {
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `AWSCognitoIdentityProviderService.${route.operation}`,
  }
  return async (request) => {
    const startedAt = performance.now()
    metrics.requestStarted()
    const reqId = crypto.randomUUID()
    let body: unknown
    try {
      body = await request.json()
    } catch {
      body = undefined
    }
    let status: number
    let payload: unknown
    let sub: string | undefined
    const invalid = invalidField(body, route.fields)
    if (invalid !== undefined) {
      status = 400
      payload = { ...problem(400, 'invalid_request'), fields: [invalid] }
    } else {
      const b = body as Body
      const hash = route.hashed ? await secretHash(route.hashed(b)) : undefined
      const deadline = startDeadline(8000)
      const callStarted = performance.now()
      try {
        const upstream = await fetch(endpoint, {
          method: 'POST',
          headers,
          body: JSON.stringify(route.input(b, hash)),
          signal: deadline.signal,
        })
        const out = (await upstream.json()) as Cognito
        const name = upstream.ok ? 'ok' : String(out.__type ?? 'other_error')
        metrics.cognitoCall(route.operation, name, (performance.now() - callStarted) / 1000, 0)
        if (upstream.ok) {
          status = route.okStatus
          const answer = route.answer(out)
          payload = answer.body
          sub = answer.sub
        } else {
          const [s, code] = PROBLEMS[name] ?? [502, 'upstream_error']
          status = s
          payload = problem(s, code)
        }
      } catch {
        status = deadline.signal.aborted ? 504 : 503
        payload = problem(status, status === 504 ? 'upstream_timeout' : 'upstream_unavailable')
      } finally {
        deadline.clear()
      }
    }
    const response = new Response(JSON.stringify(payload), {
      status,
      headers: {
        ...SECURITY_HEADERS,
        'content-type': status < 300 ? 'application/json' : 'application/problem+json',
        'x-request-id': reqId,
      },
    })
    const seconds = (performance.now() - startedAt) / 1000
    const ip = request.headers.get('x-forwarded-for')
    logger.info('request', {
      reqId,
      method: 'POST',
      path: route.path,
      status,
      durationMs: Math.round(seconds * 100_000) / 100,
      ip,
    })
    const outcome = status < 300 ? 'succeeded' : status < 500 ? 'failed' : 'error'
    const email = (body as Body | undefined)?.email
    const emailHash =
      typeof email === 'string'
        ? createHmac('sha256', emailKey).update(email.toLowerCase()).digest('hex').slice(0, 32)
        : undefined
    logger.info('auth event', {
      event: route.event,
      outcome,
      reqId,
      ip,
      ...(sub ? { sub } : {}),
      ...(emailHash ? { emailHash } : {}),
    })
    metrics.authEvent(route.event, outcome)
    metrics.requestFinished(route.path, 'POST', status, seconds)
    return response
  }
}
