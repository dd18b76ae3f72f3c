// Signing in without a password (an emailed one-time code or a passkey), through Cognito's
// choice-based sign-in (InitiateAuth USER_AUTH), and the signed-in user's passkeys.
import { Elysia, t } from 'elysia'
import type { FactorProof } from '../cognito/factor-proof.ts'
import type { CognitoGateway } from '../cognito/gateway.ts'
import { noContent } from '../http/no-content.ts'
import {
  AuthFactorsResponse,
  PasskeyCreationOptionsResponse,
  PasskeyDeleteBody,
  PasskeyIdParams,
  PasskeyListResponse,
  PasskeyMfaBody,
  PasswordlessBody,
  PasswordlessChallengeResponse,
  RegisterPasskeyBody,
} from '../schemas/passwordless.ts'
import { problemResponses } from '../schemas/problems.ts'
import type { Policies } from '../policies/policies.ts'
import { revokeMintedSession, type RevocationList } from '../tokens/revocations.ts'

// Adding or removing a passkey needs a recent sign-in (`recent`): sign-in factors are sensitive, so a
// stolen access token alone cannot change them.
/** `revocations`: where the session minted by the factor proof of a passkey's removal goes. */
export const passwordlessRoutes = (gateway: CognitoGateway, policies: Policies, revocations: RevocationList) =>
  new Elysia({ tags: ['Passwordless sign-in and passkeys'] })
    .use(policies)
    .post('/signin/passwordless', ({ body }) => gateway.startPasswordless(body), {
      rateGroup: 'email',
      authEvent: 'passwordless_sign_in_started',
      body: PasswordlessBody,
      response: { 200: PasswordlessChallengeResponse, ...problemResponses([]) },
      detail: {
        summary: 'Start a sign-in without a password',
        description:
          'Cognito USER_AUTH. `method: "email_otp"` emails a one-time code: answer POST /signin/challenge with ' +
          '{"challengeName": "EMAIL_OTP", "responses": {"EMAIL_OTP_CODE": "…"}}. `method: "passkey"` answers ' +
          'WEB_AUTHN: pass CREDENTIAL_REQUEST_OPTIONS to navigator.credentials.get (its allow-list is empty: the browser ' +
          'offers the passkeys it holds for this site) and answer with {"CREDENTIAL": JSON.stringify(credential)}. ' +
          'Without a method: SELECT_CHALLENGE listing PASSWORD, EMAIL_OTP and WEB_AUTHN, answered with {"ANSWER": …} ' +
          '(and "PASSWORD" for PASSWORD). Every email gets the same answer, whether or not it has an account, is ' +
          'confirmed, has a passkey or has two-step sign-in on; where the method cannot sign that account in, no email ' +
          'is sent and no answer works: if the code never arrives, sign in with the password.',
      },
    })
    .get('/me/passkeys', ({ accessToken, claims }) => gateway.listPasskeys(accessToken, claims.username), {
      bearer: true,
      response: { 200: PasskeyListResponse, ...problemResponses([], { body: false }) },
      detail: {
        summary: 'The user’s passkeys',
        description:
          'Cognito ListWebAuthnCredentials: the passkeys that can sign this account in, with the relying party id and ' +
          'user handle a page hands to PublicKeyCredential.signalAllAcceptedCredentials so that the browser stops ' +
          'offering passkeys removed elsewhere.',
      },
    })
    .get('/me/auth-factors', async ({ accessToken }) => ({ factors: await gateway.authFactors(accessToken) }), {
      bearer: true,
      response: { 200: AuthFactorsResponse, ...problemResponses([], { body: false }) },
      detail: {
        summary: 'How the user can sign in',
        description: 'Cognito GetUserAuthFactors: PASSWORD, EMAIL_OTP (a verified email), WEB_AUTHN (a passkey).',
      },
    })
    .delete(
      '/me/passkeys/:credentialId',
      async ({ accessToken, claims, params, body }) => {
        // Checked by optionalBody: no body, or the whole proof (Elysia types an optional body loosely).
        const proof = body as FactorProof | undefined
        revokeMintedSession(
          revocations,
          await gateway.deletePasskey(accessToken, claims.username, params.credentialId, proof),
        )
        return noContent()
      },
      {
        recent: true,
        rateGroup: 'verify',
        failureBudget: 'code',
        rateAccount: 'bearer',
        authEvent: 'factor_removed',
        params: PasskeyIdParams,
        body: t.Optional(PasskeyDeleteBody),
        optionalBody: PasskeyDeleteBody,
        response: {
          204: t.Void({ description: 'Removed.' }),
          ...problemResponses(['passkey_not_found', 'factor_proof_required', 'password_mismatch', 'code_mismatch']),
        },
        detail: {
          summary: 'Remove a passkey',
          description:
            'Cognito DeleteWebAuthnCredential. The passkey stops signing in at once. Needs a recent sign-in: a ' +
            'stolen token must not remove the way its owner signs in. While the authenticator app is on (a passkey ' +
            'of such a user is a second factor, PUT /me/passkeys/mfa), it also needs the other factor, as DELETE /me/mfa/totp does: the body ' +
            '{"password": …, "code": …} (a current code from the authenticator app). Without it 403 ' +
            'factor_proof_required; a wrong password is 400 password_mismatch, a wrong or used code 400 code_mismatch, ' +
            'and nothing changes. Otherwise no body is needed. A body that is sent must be exactly these two ' +
            'fields (400 validation_failed otherwise).',
        },
      },
    )
    .post(
      '/me/passkeys/options',
      async ({ accessToken }) => ({ options: await gateway.startPasskeyRegistration(accessToken) }),
      {
        recent: true,
        authEvent: 'factor_enrolment_started',
        response: {
          200: PasskeyCreationOptionsResponse,
          ...problemResponses([], { body: false }),
        },
        detail: {
          summary: 'Start adding a passkey',
          description:
            'Cognito StartWebAuthnRegistration, with the user’s passkeys in excludeCredentials. Needs a recent sign-in (RECENT_SIGN_IN_SECONDS, 10 minutes by ' +
            'default): a new way to sign in must not be addable with a stolen token alone.',
        },
      },
    )
    .put(
      '/me/passkeys/mfa',
      async ({ accessToken, body }) => {
        await gateway.setPasskeyMfa(accessToken, body.enabled)
        return noContent()
      },
      {
        recent: true,
        authEvent: 'passkey_mfa_changed',
        body: PasskeyMfaBody,
        response: {
          204: t.Void({ description: 'Set.' }),
          ...problemResponses(['passkey_mfa_unavailable']),
        },
        detail: {
          summary: 'Let passkeys count as a second factor',
          description:
            'Cognito SetUserMFAPreference with WebAuthnMfaSettings. With it on, a passkey sign-in with user verification ' +
            'satisfies MFA, so a user with the authenticator app can sign in with a passkey alone. Cognito takes it ' +
            'only when the deployment allows passkeys as MFA and the user has the authenticator app on: otherwise 409 ' +
            'passkey_mfa_unavailable. Needs a recent sign-in.',
        },
      },
    )
    .post(
      '/me/passkeys',
      async ({ accessToken, claims, body, set }) => {
        await gateway.completePasskeyRegistration(accessToken, body.credential)
        set.status = 201
        return gateway.listPasskeys(accessToken, claims.username)
      },
      {
        recent: true,
        authEvent: 'factor_added',
        body: RegisterPasskeyBody,
        response: {
          201: PasskeyListResponse,
          ...problemResponses(['passkey_rejected', 'passkey_already_registered']),
        },
        detail: {
          summary: 'Add a passkey',
          description:
            'Cognito CompleteWebAuthnRegistration with what navigator.credentials.create returned for the options ' +
            'of POST /me/passkeys/options. Answers the user’s passkeys. A passkey the account already has is 409 ' +
            'passkey_already_registered (the options list every passkey of the user in excludeCredentials, so a ' +
            'browser refuses it before it gets here).',
        },
      },
    )
