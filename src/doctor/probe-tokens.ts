// The probe's token steps: RevokeToken's and GetTokensFromRefreshToken's refusals, and the session
// operations' answers for the caller's own session (or for a pool that does not track sessions).
import { randomUUID } from 'node:crypto'
import {
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
  ListUserSessionsCommand,
  RevokeTokenCommand,
  RevokeUserSessionCommand,
} from '@aws-sdk/client-cognito-identity-provider'
import { outcomeOf, type ProbeContext, type ProbeResult } from './probe-step.ts'

const WRONG_SECRET = 'doctor-probe-not-the-client-secret'

/** Tokens of the probe user, signed in with its password (USER_PASSWORD_AUTH). */
async function signIn(context: ProbeContext) {
  const signedIn = await context.admin.send(
    new InitiateAuthCommand({
      ClientId: context.cognito.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: {
        USERNAME: context.email,
        PASSWORD: context.password,
        ...(context.hash ? { SECRET_HASH: await context.hash(context.email) } : {}),
      },
    }),
  )
  return {
    accessToken: signedIn.AuthenticationResult?.AccessToken ?? '',
    refreshToken: signedIn.AuthenticationResult?.RefreshToken ?? '',
  }
}

/**
 * ListUserSessions, then RevokeUserSession of the session the caller's own token belongs to: with
 * tracking off the first answer is the "tracking off" refusal, with it on the second is the "own
 * session" one.
 */
export async function ownSession(context: ProbeContext): Promise<ProbeResult[]> {
  const { accessToken } = await signIn(context)
  let sessionId: string | undefined
  const listed = await outcomeOf(
    context.admin.send(new ListUserSessionsCommand({ AccessToken: accessToken })).then((out) => {
      sessionId = out.Sessions?.find((s) => s.IsCurrentSession)?.SessionId
      return out
    }),
  )
  if (sessionId === undefined) {
    return [
      {
        step: 'ListUserSessions (no current session found)',
        real: listed,
        local: 'with tracking off: OperationNotEnabledException',
        settled: true,
      },
    ]
  }
  return [
    {
      step: "RevokeUserSession of the caller's own session",
      real: await outcomeOf(
        context.admin.send(new RevokeUserSessionCommand({ AccessToken: accessToken, SessionId: sessionId })),
      ),
      local: 'InvalidParameterException',
      settled: true,
    },
  ]
}

export async function revokeTokenErrors(context: ProbeContext): Promise<ProbeResult[]> {
  const { admin, cognito } = context
  const token = (await signIn(context)).refreshToken
  const revoke = (Token: string, ClientSecret = cognito.clientSecret) =>
    admin.send(new RevokeTokenCommand({ ClientId: cognito.clientId, Token, ClientSecret }))
  const results: ProbeResult[] = []
  if (cognito.clientSecret !== undefined) {
    results.push(
      {
        step: 'RevokeToken with a wrong client secret',
        real: await outcomeOf(revoke(token, WRONG_SECRET)),
        local: 'UnauthorizedException: Invalid client or secret',
        settled: true,
      },
      {
        step: 'GetTokensFromRefreshToken with a wrong client secret',
        real: await outcomeOf(
          admin.send(
            new GetTokensFromRefreshTokenCommand({
              ClientId: cognito.clientId,
              RefreshToken: token,
              ClientSecret: WRONG_SECRET,
            }),
          ),
        ),
        local: 'NotAuthorizedException',
        settled: true,
      },
    )
  }
  results.push(
    {
      step: 'RevokeToken of a made-up token',
      real: await outcomeOf(revoke(`doctor-probe-${randomUUID()}`)),
      local: 'UnauthorizedException: Invalid token',
      settled: true,
    },
    {
      step: 'RevokeToken of the refresh token',
      real: await outcomeOf(revoke(token)),
      local: 'accepted',
      settled: true,
    },
    {
      step: 'RevokeToken of it again',
      real: await outcomeOf(revoke(token)),
      local: 'UnauthorizedException: Invalid token',
      settled: true,
    },
  )
  return results
}
