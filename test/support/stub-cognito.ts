// A fast stand-in for Cognito's JSON 1.1 API, for the benchmark, the soak and the gateway tests: real
// Cognito cannot be loaded like this, and cognito-local is far slower than the service under test.
// It checks SECRET_HASH the way Cognito does (a wrong or missing hash is a 400
// NotAuthorizedException), so a broken HMAC cannot pass a benchmark. It counts calls and the TCP
// connections they came over: distinct client ports, one per accepted socket (Bun.serve tells no
// accept apart; a client port does not come back within a run, since the side that closes a
// connection, the client's pool, holds its port in TIME_WAIT for a minute). With `tls` it speaks
// HTTPS with a self-signed certificate the client must trust (`caFile`), so a new connection costs
// a handshake as it does against Cognito; `latencyMs` delays every Cognito answer as the network
// and Cognito do, and `sendMs` adds to a passwordless start that sends a code, as Cognito's sending does.
//
// Fault hooks for the gateway tests, chosen by the email's local part:
//   fault-throttle@…  400 TooManyRequestsException      fault-500@…   500 InternalErrorException
//   fault-slow@…      answers after 1.5 s
import {
  AMZ_JSON_11,
  cognitoErrorResponse as fail,
  referenceSecretHash,
  type CognitoRequestBody as Body,
} from './cognito-wire.ts'
import { selfSignedCertificate } from './self-signed.ts'
import { createStubSigningKey } from './stub-signing-key.ts'

export interface StubOptions {
  clientId: string
  /** Absent: a public client, no SECRET_HASH expected. */
  clientSecret?: string
  port?: number
  /** The confirmed user /signin benchmarks with. */
  user?: { email: string; password: string }
  /** Serve HTTPS with a new self-signed certificate (StubCognito.caFile). */
  tls?: boolean
  /** Milliseconds every Cognito operation waits before it answers. */
  latencyMs?: number
  /**
   * Milliseconds a USER_AUTH start answering EMAIL_OTP waits on top of `latencyMs`, drawn anew each
   * time between half and one and a half of it: Cognito sends the email before it answers (a guess
   * at how long that takes and varies; Cognito documents neither).
   */
  sendMs?: number
}

export interface StubStats {
  calls: number
  connections: number
  byOperation: Record<string, number>
}

export interface StubCognito {
  url: string
  /** With `tls`: the certificate file a client trusts (NODE_EXTRA_CA_CERTS). */
  caFile?: string
  /** The ID token the fixed user gets: proof that a /signin answer came through this stub. */
  idTokenOf(email: string): string
  stats(): StubStats
  stop(): void
}

export const BENCH_USER = { email: 'bench-signin@example.com', password: 'Bench-Passw0rd!' }

/**
 * A refresh token this stub takes for `email`: "stub-refresh.<email, base64url>[.<anything>]". The
 * tail lets a client make every token distinct (the benchmark does, so no two requests coalesce).
 */
export const stubRefreshToken = (email: string, tail?: string) =>
  `stub-refresh.${Buffer.from(email).toString('base64url')}${tail === undefined ? '' : `.${tail}`}`
/** The code the stub accepts wherever Cognito would email one (confirmation, reset, EMAIL_OTP). */
export const STUB_CONFIRMATION_CODE = '123456'

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.'
const JSON_11 = { 'content-type': AMZ_JSON_11 }

interface User {
  sub: string
  password: string
  confirmed: boolean
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

function jwtShaped(claims: Record<string, unknown>): string {
  return `${b64url({ kid: 'stub', alg: 'RS256' })}.${b64url(claims)}.${Buffer.from('stub-signature').toString('base64url')}`
}

// Cognito's challenge sessions are opaque strings of about 900 characters.
const STUB_SESSION = `AYABe${'s'.repeat(900)}`

const ok = (body: unknown) => new Response(JSON.stringify(body), { headers: JSON_11 })

export function startStubCognito(options: StubOptions): StubCognito {
  const { clientId, clientSecret, latencyMs = 0, sendMs = 0 } = options
  const certificate = options.tls ? selfSignedCertificate() : undefined
  const users = new Map<string, User>()
  const answers = new Map<string, string>()
  const byOperation: Record<string, number> = {}
  const peerPorts = new Set<number>()
  let calls = 0
  let issuer = ''

  const hashOk = (username: string | undefined, hash: string | undefined) =>
    clientSecret === undefined ||
    (username !== undefined && hash === referenceSecretHash(clientSecret, username, clientId))

  // Cognito's own words: errors.ts tells our misconfiguration from a wrong password by them.
  const badHash = () => fail('NotAuthorizedException', `Unable to verify secret hash for client ${clientId}`)

  const addUser = (email: string, password: string, confirmed: boolean) => {
    const user = { sub: crypto.randomUUID(), password, confirmed }
    users.set(email, user)
    return user
  }
  const seeded = options.user ?? BENCH_USER
  addUser(seeded.email, seeded.password, true)

  const tokens = (email: string, user: User) => {
    const now = Math.floor(Date.now() / 1000)
    const common = { sub: user.sub, iss: issuer, client_id: clientId, iat: now, exp: now + 3600 }
    return {
      IdToken: jwtShaped({
        ...common,
        'cognito:username': user.sub,
        email,
        email_verified: true,
        token_use: 'id',
        aud: clientId,
      }),
      AccessToken: jwtShaped({ ...common, username: user.sub, token_use: 'access' }),
      RefreshToken: stubRefreshToken(email),
      ExpiresIn: 3600,
      TokenType: 'Bearer',
    }
  }
  // Sign-in answers are computed once per user: the stub must stay cheap next to the service.
  const signInAnswer = (email: string, user: User) => {
    let answer = answers.get(email)
    if (answer === undefined) {
      answer = JSON.stringify({ AuthenticationResult: tokens(email, user), ChallengeParameters: {} })
      answers.set(email, answer)
    }
    return answer
  }
  const userOfAccessToken = (token: string | undefined) => {
    try {
      const claims = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString()) as { sub?: string }
      for (const [email, user] of users) if (user.sub === claims.sub) return { email, user }
    } catch {
      // not one of ours
    }
    return undefined
  }

  const operations: Record<string, (body: Body) => Response | Promise<Response>> = {
    SignUp(body) {
      const email = body.Username ?? ''
      if (users.has(email)) return fail('UsernameExistsException', 'User already exists')
      const user = addUser(email, body.Password ?? '', false)
      return ok({
        UserSub: user.sub,
        UserConfirmed: false,
        CodeDeliveryDetails: {
          Destination: `${email[0]}***@${email.split('@')[1]?.[0]}***`,
          DeliveryMedium: 'EMAIL',
          AttributeName: 'email',
        },
      })
    },
    InitiateAuth(body) {
      const params = body.AuthParameters ?? {}
      if (body.AuthFlow === 'REFRESH_TOKEN_AUTH') {
        const email = Buffer.from(params.REFRESH_TOKEN?.split('.')[1] ?? '', 'base64url').toString()
        const user = users.get(email)
        if (!user) return fail('NotAuthorizedException', 'Invalid Refresh Token')
        if (!hashOk(user.sub, params.SECRET_HASH)) return badHash()
        const { IdToken, AccessToken, ExpiresIn, TokenType } = tokens(email, user)
        return ok({ AuthenticationResult: { IdToken, AccessToken, ExpiresIn, TokenType }, ChallengeParameters: {} })
      }
      // Choice-based sign-in, as the benchmark's passwordless start asks for it: an EMAIL_OTP challenge
      // (no email is sent; `sendMs` stands for the sending) with a session of Cognito's size, for a confirmed account.
      if (body.AuthFlow === 'USER_AUTH') {
        if (!hashOk(params.USERNAME, params.SECRET_HASH)) return badHash()
        const user = users.get(params.USERNAME ?? '')
        if (!user?.confirmed) return fail('UserNotFoundException', 'User does not exist.')
        if (params.PREFERRED_CHALLENGE !== 'EMAIL_OTP')
          return fail('InvalidParameterException', 'Unsupported challenge')
        const sent = sendMs > 0 ? Bun.sleep(sendMs * (0.5 + Math.random())) : undefined
        const challenge = ok({
          ChallengeName: 'EMAIL_OTP',
          Session: STUB_SESSION,
          ChallengeParameters: { CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL', CODE_DELIVERY_DESTINATION: 'b***@e***' },
          AvailableChallenges: ['EMAIL_OTP', 'PASSWORD'],
        })
        return sent ? sent.then(() => challenge) : challenge
      }
      if (body.AuthFlow !== 'USER_PASSWORD_AUTH') return fail('InvalidParameterException', 'Unsupported AuthFlow')
      if (!hashOk(params.USERNAME, params.SECRET_HASH)) return badHash()
      const email = params.USERNAME ?? ''
      const user = users.get(email)
      if (!user || user.password !== params.PASSWORD)
        return fail('NotAuthorizedException', 'Incorrect username or password.')
      if (!user.confirmed) return fail('UserNotConfirmedException', 'User is not confirmed.')
      return new Response(signInAnswer(email, user), { headers: JSON_11 })
    },
    // The benchmark's answer to the EMAIL_OTP challenge of a passwordless start (the SECRET_HASH over
    // ChallengeResponses.USERNAME is checked for every operation, below). Unlike Cognito's, the
    // stub's one session may be answered again and again.
    RespondToAuthChallenge(body) {
      const email = body.ChallengeResponses?.USERNAME ?? ''
      const user = users.get(email)
      if (body.Session !== STUB_SESSION || !user) return fail('NotAuthorizedException', 'Invalid session for the user.')
      if (body.ChallengeName !== 'EMAIL_OTP' || body.ChallengeResponses?.EMAIL_OTP_CODE !== STUB_CONFIRMATION_CODE)
        return fail('CodeMismatchException', 'Invalid code received for user')
      return new Response(signInAnswer(email, user), { headers: JSON_11 })
    },
    ConfirmSignUp(body) {
      const user = users.get(body.Username ?? '')
      if (!user || body.ConfirmationCode !== STUB_CONFIRMATION_CODE)
        return fail('CodeMismatchException', 'Invalid verification code provided, please try again.')
      user.confirmed = true
      return ok({})
    },
    ResendConfirmationCode(body) {
      if (!users.has(body.Username ?? ''))
        return fail('UserNotFoundException', 'Username/client id combination not found.')
      return ok({ CodeDeliveryDetails: { DeliveryMedium: 'EMAIL', AttributeName: 'email', Destination: 'x***@e***' } })
    },
    ForgotPassword(body) {
      return operations.ResendConfirmationCode!(body)
    },
    ConfirmForgotPassword(body) {
      const user = users.get(body.Username ?? '')
      if (!user || body.ConfirmationCode !== STUB_CONFIRMATION_CODE)
        return fail('CodeMismatchException', 'Invalid verification code provided, please try again.')
      user.password = body.Password ?? ''
      return ok({})
    },
    GetUser(body) {
      const found = userOfAccessToken(body.AccessToken)
      if (!found) return fail('NotAuthorizedException', 'Invalid Access Token')
      return ok({
        Username: found.user.sub,
        UserAttributes: [
          { Name: 'sub', Value: found.user.sub },
          { Name: 'email', Value: found.email },
          { Name: 'email_verified', Value: String(found.user.confirmed) },
          { Name: 'nickname', Value: 'stub' },
        ],
      })
    },
    GlobalSignOut(body) {
      return userOfAccessToken(body.AccessToken) ? ok({}) : fail('NotAuthorizedException', 'Invalid Access Token')
    },
    ChangePassword(body) {
      const found = userOfAccessToken(body.AccessToken)
      if (!found) return fail('NotAuthorizedException', 'Invalid Access Token')
      if (found.user.password !== body.PreviousPassword)
        return fail('NotAuthorizedException', 'Incorrect username or password.')
      found.user.password = String(body.ProposedPassword)
      return ok({})
    },
    // With the raw client secret (no SECRET_HASH) and a new refresh token each time. The stub keeps no
    // state: the rotated-out token keeps working here (reuse detection is tested against the local
    // Cognito, dev/local-cognito/tokens.cjs); it models the call's cost, not the rotation rule.
    GetTokensFromRefreshToken(body) {
      if (clientSecret !== undefined && body.ClientSecret !== clientSecret)
        return fail('NotAuthorizedException', `Invalid client secret for client ${clientId}`)
      const email = Buffer.from(String(body.RefreshToken ?? '').split('.')[1] ?? '', 'base64url').toString()
      const user = users.get(email)
      if (!user) return fail('NotAuthorizedException', 'Invalid Refresh Token')
      const { IdToken, AccessToken, ExpiresIn, TokenType } = tokens(email, user)
      const RefreshToken = stubRefreshToken(email, crypto.randomUUID())
      return ok({ AuthenticationResult: { IdToken, AccessToken, RefreshToken, ExpiresIn, TokenType } })
    },
  }

  // Which username an operation's SECRET_HASH covers (REFRESH_TOKEN_AUTH checks its own).
  const hashedUsername = (operation: string, body: Body): { username?: string; hash?: string } | undefined => {
    if (
      operation === 'InitiateAuth' ||
      operation === 'GetUser' ||
      operation === 'GlobalSignOut' ||
      operation === 'ChangePassword' ||
      operation === 'GetTokensFromRefreshToken'
    )
      return undefined
    if (operation === 'RespondToAuthChallenge')
      return { username: body.ChallengeResponses?.USERNAME, hash: body.ChallengeResponses?.SECRET_HASH }
    return { username: body.Username, hash: body.SecretHash }
  }

  const answer = async (operation: string, body: Body): Promise<Response> => {
    const handler = operations[operation]
    if (!handler) return fail('UnknownOperationException', `stub does not implement ${operation}`)
    if (body.ClientId !== undefined && body.ClientId !== clientId)
      return fail('ResourceNotFoundException', 'User pool client does not exist.')
    const hashed = hashedUsername(operation, body)
    if (hashed && !hashOk(hashed.username, hashed.hash)) {
      return badHash()
    }
    const email = body.Username ?? body.AuthParameters?.USERNAME ?? ''
    if (email.startsWith('fault-throttle@')) return fail('TooManyRequestsException', 'Too many requests')
    if (email.startsWith('fault-500@')) return fail('InternalErrorException', 'Internal error', 500)
    if (email.startsWith('fault-slow@')) await Bun.sleep(1500)
    if (latencyMs > 0) await Bun.sleep(latencyMs)
    return handler(body)
  }

  // The pool's JWKS, and signed access tokens of the fixed user for the benchmark's token check:
  // GET /__access-tokens?count=N answers N distinct ones, one a line.
  const signing = createStubSigningKey()
  const accessTokens = (count: number) => {
    const { sub } = users.get(seeded.email)!
    return Array.from({ length: count }, (_, n) => signing.accessToken({ issuer, clientId, sub, n })).join('\n')
  }
  const server = Bun.serve({
    port: options.port ?? 0,
    hostname: '127.0.0.1',
    idleTimeout: 120,
    ...(certificate ? { tls: { cert: certificate.cert, key: certificate.key } } : {}),
    async fetch(request, srv) {
      const path = new URL(request.url).pathname
      if (request.method === 'GET' && path === '/__stats') return Response.json(stats())
      if (request.method === 'GET' && path === '/local_bench/.well-known/jwks.json') return Response.json(signing.jwks)
      if (request.method === 'GET' && path === '/__access-tokens')
        return new Response(accessTokens(Number(new URL(request.url).searchParams.get('count') ?? 1)))
      const target = request.headers.get('x-amz-target') ?? ''
      if (request.method !== 'POST' || !target.startsWith(TARGET_PREFIX))
        return fail('UnknownOperationException', 'no X-Amz-Target')
      const operation = target.slice(TARGET_PREFIX.length)
      const port = srv.requestIP(request)?.port
      if (port !== undefined) peerPorts.add(port)
      calls++
      byOperation[operation] = (byOperation[operation] ?? 0) + 1
      let body: Body
      try {
        body = (await request.json()) as Body
      } catch {
        return fail('SerializationException', 'malformed JSON')
      }
      return answer(operation, body)
    },
  })
  const url = `${certificate ? 'https' : 'http'}://127.0.0.1:${server.port}`
  issuer = `${url}/${'local_bench'}`

  function stats(): StubStats {
    return { calls, connections: peerPorts.size, byOperation: { ...byOperation } }
  }

  return {
    url,
    ...(certificate ? { caFile: certificate.certFile } : {}),
    idTokenOf(email) {
      const user = users.get(email)
      if (!user) throw new Error(`no stub user ${email}`)
      return (JSON.parse(signInAnswer(email, user)) as { AuthenticationResult: { IdToken: string } })
        .AuthenticationResult.IdToken
    },
    stats,
    stop: () => void server.stop(true),
  }
}

// Run alone (the benchmark does, pinned to its own CPU): prints one JSON line with the URL and the
// fixed user's ID token, then serves until killed.
if (import.meta.main) {
  const clientId = process.env.STUB_CLIENT_ID ?? 'benchclient'
  const stub = startStubCognito({
    clientId,
    clientSecret: process.env.STUB_CLIENT_SECRET,
    port: Number(process.env.STUB_PORT ?? 0),
    tls: process.env.STUB_TLS === '1',
    latencyMs: Number(process.env.STUB_LATENCY_MS ?? 0),
    sendMs: Number(process.env.STUB_SEND_MS ?? 0),
  })
  process.stdout.write(
    `${JSON.stringify({ url: stub.url, caFile: stub.caFile, idToken: stub.idTokenOf(BENCH_USER.email) })}\n`,
  )
}
