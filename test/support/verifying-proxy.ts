// A small proxy between the service and cognito-local that does what the emulator does not:
// - checks SECRET_HASH the way Cognito documents it, computed here with node:crypto (independently
//   of the service's Web Crypto code), answering a wrong or missing hash with Cognito's error. On
//   REFRESH_TOKEN_AUTH Cognito hashes the username the refresh token belongs to (not the email),
//   which the proxy learns from the sign-in answers it forwards. In RespondToAuthChallenge,
//   USERNAME must be the actual username Cognito named in the challenge (USER_ID_FOR_SRP), not an
//   alias (API reference, RespondToAuthChallenge `ChallengeResponses`), which the proxy learns from
//   the challenges it forwards;
// - records the client address a call carries (UserContextData.IpAddress), which cognito-local drops;
// - passes anything else through (the pool's JWKS, for one);
// - can delay answers, to test deadlines and graceful shutdown.
// It records every call so tests can see what reached "Cognito".
import { timingSafeEqual } from 'node:crypto'
import { cognitoErrorResponse, referenceSecretHash, type CognitoRequestBody } from './cognito-wire.ts'

export interface ProxyCall {
  operation: string
  clientId: string | undefined
  /** undefined: the client has no secret, so no hash was expected. */
  hashValid: boolean | undefined
  hashSent: boolean
  /** The client address the call carried (UserContextData.IpAddress), when it carried one. */
  userContextIp?: string
}

export interface VerifyingProxy {
  url: string
  calls: ProxyCall[]
  /**
   * Register an app client's secret; calls for it must carry a SECRET_HASH valid under one of its
   * registered secrets (a second one: an added secret, as Cognito keeps two active during rotation).
   */
  addClient(clientId: string, secret: string | undefined): void
  /** Delay every forwarded answer by this many ms (0: none). */
  setDelay(ms: number): void
  stop(): void
}

/** Which username and hash a Cognito operation carries, or undefined when it carries none. */
function hashInput(
  operation: string,
  body: CognitoRequestBody,
  usernameOfRefreshToken: (token: string | undefined) => string | undefined,
): { username: string | undefined; hash: string | undefined } | undefined {
  switch (operation) {
    case 'SignUp':
    case 'ConfirmSignUp':
    case 'ResendConfirmationCode':
    case 'ForgotPassword':
    case 'ConfirmForgotPassword':
      return { username: body.Username, hash: body.SecretHash }
    case 'InitiateAuth':
      if (body.AuthFlow === 'USER_PASSWORD_AUTH')
        return { username: body.AuthParameters?.USERNAME, hash: body.AuthParameters?.SECRET_HASH }
      if (body.AuthFlow === 'REFRESH_TOKEN_AUTH') {
        // A token nobody was issued is Cognito's to refuse ("Invalid Refresh Token"), not a hash matter.
        const username = usernameOfRefreshToken(body.AuthParameters?.REFRESH_TOKEN)
        return username === undefined ? undefined : { username, hash: body.AuthParameters?.SECRET_HASH }
      }
      return undefined
    case 'RespondToAuthChallenge':
      return { username: body.ChallengeResponses?.USERNAME, hash: body.ChallengeResponses?.SECRET_HASH }
    default:
      return undefined
  }
}

export function startVerifyingProxy(upstream: string): VerifyingProxy {
  const secrets = new Map<string, string[]>()
  const calls: ProxyCall[] = []
  const refreshTokenOwners = new Map<string, string>()
  // Session -> the actual username of the user it challenges.
  const challengedUsers = new Map<string, string>()
  let delayMs = 0

  /** Remember whose refresh token a sign-in answer carries, and whom a challenge's session is for. */
  const learn = (answer: string) => {
    try {
      const parsed = JSON.parse(answer) as {
        AuthenticationResult?: { RefreshToken?: string; IdToken?: string }
        Session?: string
        ChallengeParameters?: Record<string, string>
      }
      const actualUsername = parsed.ChallengeParameters?.USER_ID_FOR_SRP
      if (parsed.Session && actualUsername) challengedUsers.set(parsed.Session, actualUsername)
      const result = parsed.AuthenticationResult
      if (!result?.RefreshToken || !result.IdToken) return
      const claims = JSON.parse(Buffer.from(result.IdToken.split('.')[1] ?? '', 'base64url').toString()) as Record<
        string,
        string
      >
      refreshTokenOwners.set(result.RefreshToken, claims['cognito:username'] ?? '')
    } catch {
      // not a token answer
    }
  }

  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      if (request.method !== 'POST') return passThrough(request)
      const text = await request.text()
      const target = request.headers.get('x-amz-target') ?? ''
      const operation = target.slice(target.indexOf('.') + 1)
      let body: CognitoRequestBody = {}
      try {
        body = JSON.parse(text) as CognitoRequestBody
      } catch {
        // forwarded as is: the emulator answers malformed input itself
      }
      const clientId = body.ClientId
      const clientSecrets = (clientId === undefined ? undefined : secrets.get(clientId)) ?? []
      const input = hashInput(operation, body, (token) =>
        token === undefined ? undefined : refreshTokenOwners.get(token),
      )
      const userContextIp = body.UserContextData?.IpAddress
      const call: ProxyCall = {
        operation,
        clientId,
        hashValid: undefined,
        hashSent: input?.hash !== undefined,
        ...(typeof userContextIp === 'string' ? { userContextIp } : {}),
      }
      calls.push(call)

      const challenged =
        operation === 'RespondToAuthChallenge' && typeof body.Session === 'string'
          ? challengedUsers.get(body.Session)
          : undefined
      if (challenged !== undefined && body.ChallengeResponses?.USERNAME !== challenged) {
        return cognitoErrorResponse('NotAuthorizedException', 'Invalid session for the user.')
      }
      if (input && clientSecrets.length > 0) {
        const got = Buffer.from(input.hash ?? '')
        const validUnder = (secret: string) => {
          const want = Buffer.from(referenceSecretHash(secret, input.username ?? '', clientId!))
          return got.length === want.length && timingSafeEqual(got, want)
        }
        call.hashValid = clientSecrets.some(validUnder)
        if (!call.hashValid)
          return cognitoErrorResponse('NotAuthorizedException', `Unable to verify secret hash for client ${clientId}`)
      }
      if (delayMs > 0) await Bun.sleep(delayMs)

      const res = await fetch(upstream, {
        method: 'POST',
        headers: {
          'content-type': request.headers.get('content-type') ?? 'application/x-amz-json-1.1',
          'x-amz-target': target,
        },
        body: text,
      })
      const answer = await res.text()
      learn(answer)
      return new Response(answer, {
        status: res.status,
        headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' },
      })
    },
  })

  async function passThrough(request: Request): Promise<Response> {
    const { pathname, search } = new URL(request.url)
    const res = await fetch(`${upstream}${pathname}${search}`, { method: request.method, headers: request.headers })
    return new Response(await res.arrayBuffer(), {
      status: res.status,
      headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' },
    })
  }

  return {
    url: `http://127.0.0.1:${server.port}`,
    calls,
    addClient: (clientId, secret) =>
      void secrets.set(clientId, [...(secrets.get(clientId) ?? []), ...(secret === undefined ? [] : [secret])]),
    setDelay: (ms) => {
      delayMs = ms
    },
    stop: () => void server.stop(true),
  }
}
