// The one door to Cognito. Routes call this interface; only this module touches the SDK. It adds the
// SECRET_HASH, puts a deadline on every call and turns every failure into a ProblemError (whose
// cause the app logs with the request id).
import {
  ChangePasswordCommand,
  CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
  type AuthenticationResultType,
  type ChallengeNameType,
  type CodeDeliveryDetailsType,
  type InitiateAuthResponse,
} from '@aws-sdk/client-cognito-identity-provider'
import type { CognitoConfig } from '../config.ts'
import { ProblemError } from '../http/problem.ts'
import type {
  Challenge,
  ChallengeInput,
  CodeDeliveryDetails,
  Profile,
  RefreshedTokens,
  SignInInput,
  SignUpInput,
  SignUpResult,
  Tokens,
} from '../schemas.ts'
import { revealsAccountState, toProblem, type CognitoOperation } from './errors.ts'
import { createSecretHasher } from './secret-hash.ts'

export type SignInResult = { tokens: Tokens } | { challenge: Challenge }

export interface CognitoGateway {
  signUp(input: SignUpInput): Promise<SignUpResult>
  signIn(input: SignInInput): Promise<SignInResult>
  respondToChallenge(input: ChallengeInput): Promise<SignInResult>
  /** `username` is the Cognito username: the refresh call's SECRET_HASH is computed over it. */
  refresh(refreshToken: string, username: string): Promise<RefreshedTokens>
  confirmSignUp(email: string, code: string): Promise<void>
  /** Answers the same whether or not the account exists. */
  resendConfirmationCode(email: string): Promise<CodeDeliveryDetails>
  /** Answers the same whether or not the account exists. */
  forgotPassword(email: string): Promise<CodeDeliveryDetails>
  confirmForgotPassword(email: string, code: string, password: string): Promise<void>
  getUser(accessToken: string): Promise<Profile>
  globalSignOut(accessToken: string): Promise<void>
  changePassword(accessToken: string, previousPassword: string, proposedPassword: string): Promise<void>
}

// Cognito's default access/ID token validity; cognito-local omits ExpiresIn on some flows.
const DEFAULT_EXPIRES_IN = 3600

export async function createSdkGateway(config: CognitoConfig): Promise<CognitoGateway> {
  const { clientId } = config
  const hasher = await createSecretHasher(clientId, config.clientSecret)
  const secretHash = async (username: string) => (hasher ? await hasher(username) : undefined)
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

  /** For routes that must not reveal whether an account exists: its state is swallowed. */
  const callHidingAccountState = (operation: CognitoOperation, send: (abortSignal: AbortSignal) => Promise<unknown>) =>
    call(operation, send).then(
      () => undefined,
      (problem: ProblemError) => {
        if (!revealsAccountState(problem.cause)) throw problem
      },
    )

  const authResult = (out: InitiateAuthResponse): SignInResult => {
    if (out.AuthenticationResult) return { tokens: tokensOf(out.AuthenticationResult) }
    if (out.ChallengeName && out.Session) {
      return {
        challenge: { challengeName: out.ChallengeName, session: out.Session, challengeParameters: out.ChallengeParameters ?? {} },
      }
    }
    throw new ProblemError('upstream_error', undefined, { cause: new Error('Cognito returned neither tokens nor a challenge') })
  }

  return {
    async signUp({ email, password, nickname }) {
      const SecretHash = await secretHash(email)
      const out = await call('SignUp', (abortSignal) =>
        client.send(
          new SignUpCommand({
            ClientId: clientId,
            Username: email,
            Password: password,
            SecretHash,
            UserAttributes: [
              { Name: 'email', Value: email },
              { Name: 'nickname', Value: nickname },
            ],
          }),
          { abortSignal },
        ),
      )
      const codeDelivery = codeDeliveryOf(out.CodeDeliveryDetails)
      return { userSub: out.UserSub ?? '', userConfirmed: out.UserConfirmed ?? false, ...(codeDelivery ? { codeDelivery } : {}) }
    },

    async signIn({ email, password }) {
      const SECRET_HASH = await secretHash(email)
      const out = await call('InitiateAuth', (abortSignal) =>
        client.send(
          new InitiateAuthCommand({
            ClientId: clientId,
            AuthFlow: 'USER_PASSWORD_AUTH',
            AuthParameters: { USERNAME: email, PASSWORD: password, ...(SECRET_HASH ? { SECRET_HASH } : {}) },
          }),
          { abortSignal },
        ),
      )
      return authResult(out)
    },

    async respondToChallenge({ email, challengeName, session, responses }) {
      const SECRET_HASH = await secretHash(email)
      const out = await call('RespondToAuthChallenge', (abortSignal) =>
        client.send(
          new RespondToAuthChallengeCommand({
            ClientId: clientId,
            ChallengeName: challengeName as ChallengeNameType,
            Session: session,
            // Ours last: a client cannot answer for another user or forge the hash.
            ChallengeResponses: { ...responses, USERNAME: email, ...(SECRET_HASH ? { SECRET_HASH } : {}) },
          }),
          { abortSignal },
        ),
      )
      return authResult(out)
    },

    async refresh(refreshToken, username) {
      const SECRET_HASH = await secretHash(username)
      const out = await call('RefreshTokenAuth', (abortSignal) =>
        client.send(
          new InitiateAuthCommand({
            ClientId: clientId,
            AuthFlow: 'REFRESH_TOKEN_AUTH',
            AuthParameters: { REFRESH_TOKEN: refreshToken, ...(SECRET_HASH ? { SECRET_HASH } : {}) },
          }),
          { abortSignal },
        ),
      )
      const result = out.AuthenticationResult
      if (!result?.IdToken || !result.AccessToken) {
        throw new ProblemError('upstream_error', undefined, { cause: new Error('REFRESH_TOKEN_AUTH returned no tokens') })
      }
      return {
        idToken: result.IdToken,
        accessToken: result.AccessToken,
        ...(result.RefreshToken ? { refreshToken: result.RefreshToken } : {}),
        expiresIn: result.ExpiresIn ?? DEFAULT_EXPIRES_IN,
        tokenType: 'Bearer',
      }
    },

    async confirmSignUp(email, code) {
      const SecretHash = await secretHash(email)
      await call('ConfirmSignUp', (abortSignal) =>
        client.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: code, SecretHash }), { abortSignal }),
      )
    },

    async resendConfirmationCode(email) {
      const SecretHash = await secretHash(email)
      await callHidingAccountState('ResendConfirmationCode', (abortSignal) =>
        client.send(new ResendConfirmationCodeCommand({ ClientId: clientId, Username: email, SecretHash }), { abortSignal }),
      )
      return maskedEmailDelivery(email)
    },

    async forgotPassword(email) {
      const SecretHash = await secretHash(email)
      await callHidingAccountState('ForgotPassword', (abortSignal) =>
        client.send(new ForgotPasswordCommand({ ClientId: clientId, Username: email, SecretHash }), { abortSignal }),
      )
      return maskedEmailDelivery(email)
    },

    async confirmForgotPassword(email, code, password) {
      const SecretHash = await secretHash(email)
      await call('ConfirmForgotPassword', (abortSignal) =>
        client.send(
          new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: email, ConfirmationCode: code, Password: password, SecretHash }),
          { abortSignal },
        ),
      )
    },

    async getUser(accessToken) {
      const out = await call('GetUser', (abortSignal) => client.send(new GetUserCommand({ AccessToken: accessToken }), { abortSignal }))
      const attributes = new Map((out.UserAttributes ?? []).map((a) => [a.Name, a.Value ?? '']))
      return {
        username: out.Username ?? '',
        sub: attributes.get('sub') ?? '',
        email: attributes.get('email') ?? '',
        emailVerified: attributes.get('email_verified') === 'true',
        nickname: attributes.get('nickname') ?? '',
      }
    },

    async globalSignOut(accessToken) {
      await call('GlobalSignOut', (abortSignal) => client.send(new GlobalSignOutCommand({ AccessToken: accessToken }), { abortSignal }))
    },

    async changePassword(accessToken, previousPassword, proposedPassword) {
      await call('ChangePassword', (abortSignal) =>
        client.send(
          new ChangePasswordCommand({ AccessToken: accessToken, PreviousPassword: previousPassword, ProposedPassword: proposedPassword }),
          { abortSignal },
        ),
      )
    },
  }
}

function codeDeliveryOf(details: CodeDeliveryDetailsType | undefined): CodeDeliveryDetails | undefined {
  if (!details) return undefined
  return {
    ...(details.Destination ? { destination: details.Destination } : {}),
    ...(details.DeliveryMedium ? { deliveryMedium: details.DeliveryMedium } : {}),
    ...(details.AttributeName ? { attributeName: details.AttributeName } : {}),
  }
}

/**
 * What the enumeration-safe routes answer, computed from the request alone so that it is the same
 * for an existing account, an unknown one and an unconfirmed one: "a***@e***", as Cognito masks.
 */
export function maskedEmailDelivery(email: string): CodeDeliveryDetails {
  const at = email.lastIndexOf('@')
  return { destination: `${email.slice(0, 1)}***@${email.slice(at + 1, at + 2)}***`, deliveryMedium: 'EMAIL', attributeName: 'email' }
}

function tokensOf(result: AuthenticationResultType): Tokens {
  const { IdToken, AccessToken, RefreshToken, ExpiresIn } = result
  if (!IdToken || !AccessToken) throw new ProblemError('upstream_error', undefined, { cause: new Error('Cognito returned no tokens') })
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
  throw new ProblemError('upstream_error', undefined, { cause: new Error('ID token without cognito:username') })
}
