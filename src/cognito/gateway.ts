// The one door to Cognito. Routes call this interface; only this module touches the SDK. It adds the
// SECRET_HASH, puts a deadline on every call and turns every failure into a ProblemError (whose
// cause the app logs with the request id).
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
  type AuthenticationResultType,
  type CodeDeliveryDetailsType,
} from '@aws-sdk/client-cognito-identity-provider'
import type { CognitoConfig } from '../config.ts'
import { ProblemError } from '../http/problem.ts'
import type { Challenge, CodeDeliveryDetails, SignInInput, SignUpInput, SignUpResult, Tokens } from '../schemas.ts'
import { toProblem, type CognitoOperation } from './errors.ts'
import { createSecretHasher, type SecretHasher } from './secret-hash.ts'

export type SignInResult = { tokens: Tokens } | { challenge: Challenge }

export interface CognitoGateway {
  signUp(input: SignUpInput): Promise<SignUpResult>
  signIn(input: SignInInput): Promise<SignInResult>
}

// Cognito's default access/ID token validity; cognito-local omits ExpiresIn on some flows.
const DEFAULT_EXPIRES_IN = 3600

export async function createSdkGateway(config: CognitoConfig): Promise<CognitoGateway> {
  const hash = await createSecretHasher(config.clientId, config.clientSecret)
  const client = new CognitoIdentityProviderClient({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    // Bounded retries (transient and throttling errors only, by the SDK's standard strategy); the
    // per-call deadline below caps the total.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: config.connectTimeoutMs, requestTimeout: config.timeoutMs },
  })

  const call = async <T>(operation: CognitoOperation, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> => {
    const deadline = AbortSignal.timeout(config.timeoutMs)
    try {
      return await send(deadline)
    } catch (error) {
      throw toProblem(error, operation, deadline.aborted)
    }
  }

  return {
    async signUp({ email, password, nickname }) {
      const secretHash = await hashFor(hash, email)
      const out = await call('SignUp', (abortSignal) =>
        client.send(
          new SignUpCommand({
            ClientId: config.clientId,
            Username: email,
            Password: password,
            SecretHash: secretHash,
            UserAttributes: [
              { Name: 'email', Value: email },
              { Name: 'nickname', Value: nickname },
            ],
          }),
          { abortSignal },
        ),
      )
      const codeDelivery = codeDeliveryOf(out.CodeDeliveryDetails)
      return {
        userSub: out.UserSub ?? '',
        userConfirmed: out.UserConfirmed ?? false,
        ...(codeDelivery ? { codeDelivery } : {}),
      }
    },

    async signIn({ email, password }) {
      const secretHash = await hashFor(hash, email)
      const out = await call('InitiateAuth', (abortSignal) =>
        client.send(
          new InitiateAuthCommand({
            ClientId: config.clientId,
            AuthFlow: 'USER_PASSWORD_AUTH',
            AuthParameters: { USERNAME: email, PASSWORD: password, ...(secretHash ? { SECRET_HASH: secretHash } : {}) },
          }),
          { abortSignal },
        ),
      )
      if (out.AuthenticationResult) return { tokens: tokensOf(out.AuthenticationResult) }
      if (out.ChallengeName && out.Session) {
        return {
          challenge: {
            challengeName: out.ChallengeName,
            session: out.Session,
            challengeParameters: out.ChallengeParameters ?? {},
          },
        }
      }
      throw new ProblemError('upstream_error', undefined, { cause: new Error('InitiateAuth returned neither tokens nor a challenge') })
    },
  }
}

const hashFor = async (hash: SecretHasher | undefined, username: string) => (hash ? await hash(username) : undefined)

function codeDeliveryOf(details: CodeDeliveryDetailsType | undefined): CodeDeliveryDetails | undefined {
  if (!details) return undefined
  return {
    ...(details.Destination ? { destination: details.Destination } : {}),
    ...(details.DeliveryMedium ? { deliveryMedium: details.DeliveryMedium } : {}),
    ...(details.AttributeName ? { attributeName: details.AttributeName } : {}),
  }
}

function tokensOf(result: AuthenticationResultType): Tokens {
  const { IdToken, AccessToken, RefreshToken, ExpiresIn } = result
  if (!IdToken || !AccessToken) throw new ProblemError('upstream_error')
  return {
    idToken: IdToken,
    accessToken: AccessToken,
    ...(RefreshToken ? { refreshToken: RefreshToken } : {}),
    expiresIn: ExpiresIn ?? DEFAULT_EXPIRES_IN,
    tokenType: 'Bearer',
    username: cognitoUsername(IdToken),
  }
}

/**
 * The ID token's `cognito:username` (a UUID when email is the sign-in alias). Read without
 * verification: the token came straight from Cognito on this call, and only the name is taken.
 */
function cognitoUsername(idToken: string): string {
  const payload = idToken.split('.')[1]
  try {
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
    const name = claims['cognito:username'] ?? claims.sub
    if (typeof name === 'string' && name) return name
  } catch {
    // fall through: a malformed token from upstream is an upstream error
  }
  throw new ProblemError('upstream_error')
}
