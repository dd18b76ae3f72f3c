// The MFA_SETUP challenge: a pool that requires MFA asks a user who has none to set up an
// authenticator app before it hands out tokens. The client holds no access token yet, so both steps
// go through the challenge's session (AssociateSoftwareToken and VerifySoftwareToken take a
// `Session` instead of an access token).
import { Elysia } from 'elysia'
import type { CognitoGateway } from '../cognito/gateway.ts'
import { MfaSetupBody, MfaSetupResponse, MfaSetupVerifyBody } from '../schemas/mfa.ts'
import { problemResponses } from '../schemas/problems.ts'
import { signInAnswer, TokensOrChallenge } from '../answers/sign-in.ts'
import { totpEnrolment } from '../answers/totp.ts'
import type { Policies } from '../policies/policies.ts'

export const mfaSetupRoutes = (gateway: CognitoGateway, policies: Policies) =>
  new Elysia({ tags: ['Two-step sign-in'] })
    .use(policies)
    .post(
      '/signin/mfa-setup',
      async ({ body }) => {
        const { secretCode, session } = await gateway.associateSoftwareTokenInSetup(body.session, body.email)
        return { ...(await totpEnrolment(secretCode, body.email)), session }
      },
      {
        rateGroup: 'signin',
        failureBudget: 'code',
        rateAccount: 'session',
        authEvent: 'mfa_setup_started',
        successDescription: 'A new authenticator secret and the session to verify a code with.',
        body: MfaSetupBody,
        response: { 200: MfaSetupResponse, ...problemResponses(['not_authorized', 'session_expired']) },
        detail: {
          summary: 'Set up an authenticator app during sign-in (MFA_SETUP)',
          description:
            'When /signin answers the MFA_SETUP challenge: send its `session`. Answers the secret, its otpauth:// URI ' +
            '(show it as a QR code) and a new `session` for POST /signin/mfa-setup/verify. An expired or used session is 400 session_expired.',
        },
      },
    )
    .post(
      '/signin/mfa-setup/verify',
      async ({ body, request }) => signInAnswer(await gateway.completeMfaSetup(body), request),
      {
        rateGroup: 'signin',
        failureBudget: 'code',
        rateAccount: 'session',
        authEvent: 'mfa_setup_completed',
        successDescription: 'Tokens (the app is now on), or the next challenge.',
        body: MfaSetupVerifyBody,
        response: {
          200: TokensOrChallenge,
          ...problemResponses(['not_authorized', 'session_expired', 'code_mismatch']),
        },
        detail: {
          summary: 'Finish the authenticator set-up and sign in',
          description:
            'With the `session` from POST /signin/mfa-setup and a current code from the app: turns the app on and ' +
            'answers the tokens. Later sign-ins answer SOFTWARE_TOKEN_MFA (POST /signin/challenge).',
        },
      },
    )
