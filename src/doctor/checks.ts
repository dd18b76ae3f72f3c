// What the service needs of its user pool and app client, checked against what DescribeUserPool,
// DescribeUserPoolClient, GetUserPoolMfaConfig and GetUserPoolSessionConfiguration answered. One
// finding per need: 'ok', 'change' (the service misbehaves until it is changed: the doctor exits 1)
// or 'note' (worth knowing, nothing breaks). Field names and values are the Cognito API reference's.
import type {
  GetUserPoolMfaConfigResponse,
  UserPoolClientType,
  UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider'
import type { Config } from '../config.ts'

export type Verdict = 'ok' | 'change' | 'note'

export interface Finding {
  verdict: Verdict
  /** What is checked, e.g. "sign-in name". */
  subject: string
  /** What was found and, unless ok, what to change. */
  detail: string
}

/** What the doctor read of the pool; `sessionTracking` is the error text when the call was refused. */
export interface PoolFacts {
  pool: UserPoolType
  client: UserPoolClientType
  mfa: GetUserPoolMfaConfigResponse
  sessionTracking: { enabled: boolean } | { error: string }
}

/** The part of the service's configuration the checks compare with. */
export type ServiceNeeds = Pick<Config, 'corsOrigins'> & {
  cognito: Pick<Config['cognito'], 'clientSecret' | 'previousClientSecret' | 'refreshTokenRotation'>
}

/**
 * Minutes of AuthSessionValidity an emailed sign-in code needs: a mail that takes minutes to arrive,
 * 8 digits typed from another device (Cognito's default, 3, is too short; the CDK client sets 10).
 */
export const MIN_AUTH_SESSION_MINUTES = 10

const ok = (subject: string, detail: string): Finding => ({ verdict: 'ok', subject, detail })
const change = (subject: string, detail: string): Finding => ({ verdict: 'change', subject, detail })
const note = (subject: string, detail: string): Finding => ({ verdict: 'note', subject, detail })
const has = (list: readonly string[] | undefined, item: string) => (list ?? []).includes(item)

function signInName({ pool }: PoolFacts): Finding {
  const subject = 'sign-in name'
  if (!has(pool.UsernameAttributes, 'email') || (pool.AliasAttributes ?? []).length > 0)
    return change(subject, 'email must be the username attribute (UsernameAttributes: [email]); a new pool is needed')
  if (pool.UsernameConfiguration?.CaseSensitive !== false)
    return change(
      subject,
      'usernames must be case-insensitive (UsernameConfiguration.CaseSensitive: false); a new pool is needed',
    )
  return ok(subject, 'email, in any letter case')
}

function nickname({ pool }: PoolFacts): Finding {
  const subject = 'nickname attribute'
  const attribute = pool.SchemaAttributes?.find((a) => a.Name === 'nickname')
  if (!attribute?.Required)
    return change(subject, 'nickname must be a required attribute (sign-up sends it); a new pool is needed')
  if (attribute.Mutable === false)
    return change(subject, 'nickname must be mutable (PATCH /me changes it); a new pool is needed')
  return ok(subject, 'required and mutable')
}

function email({ pool }: PoolFacts): Finding {
  const subject = 'email verification'
  if (!has(pool.AutoVerifiedAttributes, 'email'))
    return change(subject, 'set AutoVerifiedAttributes: [email] (sign-up confirms the email with a code)')
  if (!has(pool.UserAttributeUpdateSettings?.AttributesRequireVerificationBeforeUpdate, 'email'))
    return change(
      subject,
      'set UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate: [email] (keep the original email until the new one is verified)',
    )
  return ok(subject, 'auto-verified; the original email is kept until a new one is verified')
}

// During a rotation the app client has two active secrets (AddUserPoolClientSecret) and
// DescribeUserPoolClient shows one of them (which one is not documented): either configured secret
// matching it fits.
function secret({ client }: PoolFacts, needs: ServiceNeeds): Finding {
  const subject = 'client secret'
  const { clientSecret, previousClientSecret } = needs.cognito
  const configured = clientSecret !== undefined
  if (!client.ClientSecret && configured)
    return change(subject, 'the app client has no secret: unset COGNITO_CLIENT_SECRET, or use a client with one')
  if (client.ClientSecret && !configured)
    return change(subject, 'the app client has a secret: set COGNITO_CLIENT_SECRET to it')
  if (!client.ClientSecret) return ok(subject, 'none, and none configured')
  if (client.ClientSecret === clientSecret) return ok(subject, "COGNITO_CLIENT_SECRET is the app client's secret")
  if (client.ClientSecret === previousClientSecret)
    return ok(subject, 'COGNITO_CLIENT_SECRET_PREVIOUS is the secret the app client shows (a rotation is under way)')
  return change(subject, "COGNITO_CLIENT_SECRET is not the app client's secret: copy the current one")
}

function authFlows({ client }: PoolFacts, needs: ServiceNeeds): Finding {
  const subject = 'auth flows'
  const needed = ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_AUTH']
  if (!needs.cognito.refreshTokenRotation) needed.push('ALLOW_REFRESH_TOKEN_AUTH')
  const missing = needed.filter((flow) => !has(client.ExplicitAuthFlows, flow))
  if (missing.length > 0) return change(subject, `add ${missing.join(', ')} to the app client's ExplicitAuthFlows`)
  return ok(subject, needed.join(', '))
}

function rotation({ client }: PoolFacts, needs: ServiceNeeds): Finding {
  const subject = 'refresh-token rotation'
  const rotates = client.RefreshTokenRotation?.Feature === 'ENABLED'
  const grace = client.RefreshTokenRotation?.RetryGracePeriodSeconds ?? 0
  if (rotates && !needs.cognito.refreshTokenRotation)
    return change(subject, 'the app client rotates refresh tokens: set COGNITO_REFRESH_TOKEN_ROTATION=true')
  if (!rotates && needs.cognito.refreshTokenRotation)
    return change(
      subject,
      'the app client does not rotate refresh tokens: unset COGNITO_REFRESH_TOKEN_ROTATION, or turn rotation on',
    )
  return ok(subject, rotates ? `on, ${grace} s grace period, as configured` : 'off, as configured')
}

function revocation({ client }: PoolFacts): Finding {
  const subject = 'token revocation'
  if (client.EnableTokenRevocation === false)
    return change(subject, 'set EnableTokenRevocation: true (POST /signout/device and the revocation list need it)')
  return ok(subject, 'on')
}

function authSession({ client }: PoolFacts): Finding {
  const subject = 'AuthSessionValidity'
  const minutes = client.AuthSessionValidity ?? 3
  if (minutes < MIN_AUTH_SESSION_MINUTES)
    return change(
      subject,
      `${minutes} min: set ${MIN_AUTH_SESSION_MINUTES}-15 (an emailed code lives as long as its session)`,
    )
  return ok(subject, `${minutes} min`)
}

function userExistence({ client }: PoolFacts): Finding {
  const subject = 'PreventUserExistenceErrors'
  if (client.PreventUserExistenceErrors !== 'ENABLED')
    return change(subject, 'set ENABLED (otherwise sign-in tells unknown accounts apart)')
  return ok(subject, 'ENABLED')
}

function passwordless({ pool }: PoolFacts): Finding[] {
  const tier = pool.UserPoolTier ?? 'ESSENTIALS'
  const factors = pool.Policies?.SignInPolicy?.AllowedFirstAuthFactors ?? ['PASSWORD']
  const missing = ['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN'].filter((factor) => !has(factors, factor))
  const sending = pool.EmailConfiguration?.EmailSendingAccount
  return [
    tier === 'LITE'
      ? change('feature plan', 'LITE: set UserPoolTier ESSENTIALS or PLUS (email codes, passkeys, session tracking)')
      : ok('feature plan', tier),
    missing.length > 0
      ? change('first factors', `add ${missing.join(', ')} to Policies.SignInPolicy.AllowedFirstAuthFactors`)
      : ok('first factors', factors.join(', ')),
    sending === 'DEVELOPER'
      ? ok('email sending', 'through SES (EmailSendingAccount DEVELOPER)')
      : change(
          'email sending',
          'set EmailConfiguration EmailSendingAccount DEVELOPER with an SES identity: Cognito does not send sign-in codes with its own mail',
        ),
  ]
}

function totp({ mfa }: PoolFacts): Finding {
  if (!mfa.SoftwareTokenMfaConfiguration?.Enabled || mfa.MfaConfiguration === 'OFF')
    return change(
      'authenticator apps',
      'set MfaConfiguration OPTIONAL with SoftwareTokenMfaConfiguration Enabled (/me/mfa/totp)',
    )
  return ok('authenticator apps', `MFA ${mfa.MfaConfiguration}, TOTP on`)
}

/**
 * Whether a page at `origin` may use passkeys of relying party `rpId`: its host is the RP id or a
 * subdomain of it (WebAuthn Level 3 §5.1.4.1 / §13.4.9), over https, or http on localhost. Which
 * origins Cognito itself accepts is not documented: the local Cognito applies this same rule.
 */
export function originFitsRelyingParty(origin: string, rpId: string): boolean {
  const url = new URL(origin)
  const hostFits = url.hostname === rpId || url.hostname.endsWith(`.${rpId}`)
  return hostFits && (url.protocol === 'https:' || url.hostname === 'localhost')
}

function relyingParty({ mfa }: PoolFacts, needs: ServiceNeeds): Finding {
  const subject = 'passkey relying party'
  const rpId = mfa.WebAuthnConfiguration?.RelyingPartyId
  if (!rpId) return change(subject, "set WebAuthnConfiguration.RelyingPartyId to the web app's domain")
  if (needs.corsOrigins.length === 0)
    return note(subject, `${rpId}; no CORS_ORIGINS configured, so no page origin to check it against`)
  const misfits = needs.corsOrigins.filter((origin) => !originFitsRelyingParty(origin, rpId))
  if (misfits.length > 0)
    return change(subject, `${rpId} does not cover ${misfits.join(', ')}: set the RP id to their common domain`)
  return ok(subject, `${rpId} covers ${needs.corsOrigins.join(', ')}`)
}

function sessions({ sessionTracking }: PoolFacts): Finding {
  const subject = 'session tracking'
  if ('error' in sessionTracking)
    return change(subject, `could not be read (${sessionTracking.error}): GET /sessions needs it ENABLED`)
  if (!sessionTracking.enabled)
    return change(subject, 'set UserSessionTracking ENABLED (SetUserPoolSessionConfiguration) for GET/DELETE /sessions')
  return ok(subject, 'ENABLED')
}

function userContextData({ pool, client }: PoolFacts): Finding {
  const subject = 'user context data'
  const plus = pool.UserPoolTier === 'PLUS'
  if (client.EnablePropagateAdditionalUserContextData) return ok(subject, 'the app client accepts UserContextData')
  return note(
    subject,
    plus
      ? "off: threat protection scores every sign-in by the service task's address; set EnablePropagateAdditionalUserContextData"
      : 'off (it matters with threat protection, the Plus plan)',
  )
}

/** Every finding for `facts` against what the service is configured for, in report order. */
export function checkPool(facts: PoolFacts, needs: ServiceNeeds): Finding[] {
  return [
    signInName(facts),
    nickname(facts),
    email(facts),
    secret(facts, needs),
    authFlows(facts, needs),
    rotation(facts, needs),
    revocation(facts),
    authSession(facts),
    userExistence(facts),
    ...passwordless(facts),
    totp(facts),
    relyingParty(facts, needs),
    sessions(facts),
    userContextData(facts),
  ]
}
