// POST /signin/passwordless tells no account apart (OWASP ASVS 6.3.8): for an unknown email, an
// unconfirmed account, a password-only one, one with a passkey and one with TOTP on, every start and
// every wrong answer is the same, byte for byte apart from the session and the WebAuthn challenge
// value, and costs the same Cognito operations; under both PreventUserExistenceErrors settings (ENABLED,
// the deployed one; LEGACY, where Cognito itself reports an unknown user). Runs on Bun, Node and the
// binary (SERVICE_TARGET).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { confirmedAccount, signedInAccount } from '../support/accounts.ts'
import { createAppClient } from '../support/app-clients.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { totpCode } from '../support/emulator-calls.ts'
import { post, request, type JsonResponse } from '../support/http.ts'
import { startService, type RunningService } from '../support/service.ts'
import { startSoftwareAuthenticator, type SoftwareAuthenticator } from '../support/software-authenticator.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'

const ORIGIN = 'http://localhost:8080'
// One tag for every kind: the masked destination ("a***@e***") shows the first letter and the domain.
const TAG = 'kind'
const KINDS = ['unknown', 'unconfirmed', 'password-only', 'passkey', 'totp'] as const
type Kind = (typeof KINDS)[number]

let cognito: TestCognito
let authenticator: SoftwareAuthenticator
const services: Record<'ENABLED' | 'LEGACY', RunningService> = {} as never
const emails = {} as Record<Kind, string>
/** Another user's passkey: what an attacker (or a user at the wrong account) answers a passkey challenge with. */
let strayCredentialId: string

async function addPasskey(url: string, auth: { authorization: string }): Promise<string> {
  const options = (await post(url, '/me/passkeys/options', {}, auth)).body.options
  const added = await post(url, '/me/passkeys', { credential: await authenticator.create(ORIGIN, options) }, auth)
  expect(added.status).toBe(201)
  return added.body.passkeys.at(-1).credentialId
}

beforeAll(async () => {
  cognito = await testCognito()
  authenticator = startSoftwareAuthenticator()
  const legacy = await createAppClient(cognito, { preventUserExistenceErrors: 'LEGACY' })
  // The relying party as the local pool has it (dev/local-cognito/provision.ts): decoys are right from the first start.
  const env = { PASSKEY_RP_ID: 'localhost' }
  services.ENABLED = await startService(cognito.serviceEnv(env))
  services.LEGACY = await startService(
    cognito.serviceEnv({ ...env, COGNITO_CLIENT_ID: legacy.clientId, COGNITO_CLIENT_SECRET: legacy.clientSecret }),
  )
  const url = services.ENABLED.url
  emails.unknown = uniqueEmail(TAG)
  emails.unconfirmed = uniqueEmail(TAG)
  expect((await post(url, '/signup', { email: emails.unconfirmed, password: PASSWORD, nickname: 'n' })).status).toBe(
    201,
  )
  emails['password-only'] = (await confirmedAccount(url, cognito, { tag: TAG })).email
  const withPasskey = await signedInAccount(url, cognito, { tag: TAG })
  emails.passkey = withPasskey.email
  await addPasskey(url, withPasskey.auth)
  const stray = await signedInAccount(url, cognito, { tag: 'stray' })
  strayCredentialId = await addPasskey(url, stray.auth)
  const withTotp = await signedInAccount(url, cognito, { tag: TAG })
  emails.totp = withTotp.email
  const { secretCode } = (await request(url, 'POST', '/me/mfa/totp', { headers: withTotp.auth })).body
  expect((await post(url, '/me/mfa/totp/verify', { code: totpCode(secretCode) }, withTotp.auth)).status).toBe(204)
})
afterAll(async () => {
  authenticator.stop()
  await Promise.all(Object.values(services).map((s) => s.stop()))
})

/** The Cognito operations a request made, as the verifying proxy saw them. */
async function operationsOf<T>(send: () => Promise<T>): Promise<{ answer: T; operations: string[] }> {
  const before = cognito.proxy.calls.length
  const answer = await send()
  return { answer, operations: cognito.proxy.calls.slice(before).map((c) => c.operation) }
}

/** The body without what is random by design: the session, and the WebAuthn challenge (its length kept). */
function comparable(res: JsonResponse): string {
  const { session, ...rest } = res.body ?? {}
  const options = rest.challengeParameters?.CREDENTIAL_REQUEST_OPTIONS
  if (options === undefined) return JSON.stringify({ status: res.status, ...rest })
  const parsed = JSON.parse(options)
  const shaped = JSON.stringify({ ...parsed, challenge: `<${String(parsed.challenge).length} characters>` })
  return JSON.stringify({ status: res.status, ...rest, challengeParameters: { CREDENTIAL_REQUEST_OPTIONS: shaped } })
}

/** A wrong answer to each challenge: a wrong code, another user's passkey, a wrong password. */
async function wrongAnswer(url: string, email: string, started: JsonResponse) {
  const { challengeName, session } = started.body
  let responses: Record<string, string>
  if (challengeName === 'EMAIL_OTP') responses = { EMAIL_OTP_CODE: '000000' }
  else if (challengeName === 'WEB_AUTHN') {
    const options = JSON.parse(started.body.challengeParameters.CREDENTIAL_REQUEST_OPTIONS)
    const assertion = await authenticator.get(ORIGIN, {
      ...options,
      allowCredentials: [{ id: strayCredentialId, type: 'public-key' }],
    })
    responses = { CREDENTIAL: JSON.stringify(assertion) }
  } else responses = { ANSWER: 'PASSWORD', PASSWORD: 'Wrong-Password-1234' }
  return post(url, '/signin/challenge', { email, challengeName, session, responses })
}

for (const setting of ['ENABLED', 'LEGACY'] as const) {
  describe(`PreventUserExistenceErrors ${setting}`, () => {
    for (const method of ['email_otp', 'passkey', undefined] as const) {
      test(`method ${method ?? 'none'}: every kind gets the same start and the same wrong-answer failure`, async () => {
        const url = services[setting].url
        const starts = {} as Record<Kind, { answer: JsonResponse; operations: string[] }>
        for (const kind of KINDS)
          starts[kind] = await operationsOf(() =>
            post(url, '/signin/passwordless', { email: emails[kind], ...(method ? { method } : {}) }),
          )
        const reference = starts['password-only']
        expect(reference.answer.status).toBe(200)
        for (const kind of KINDS) {
          expect({ kind, body: comparable(starts[kind].answer) }).toEqual({ kind, body: comparable(reference.answer) })
          expect({ kind, operations: starts[kind].operations }).toEqual({ kind, operations: reference.operations })
          expect({ kind, length: starts[kind].answer.body.session.length }).toEqual({
            kind,
            length: reference.answer.body.session.length,
          })
        }
        expect(reference.operations).toEqual(method ? ['InitiateAuth'] : [])

        const answers = {} as Record<Kind, { answer: JsonResponse; operations: string[] }>
        for (const kind of KINDS)
          answers[kind] = await operationsOf(() => wrongAnswer(url, emails[kind], starts[kind].answer))
        const wrong = answers['password-only']
        expect(wrong.answer.status).toBeGreaterThanOrEqual(400)
        for (const kind of KINDS) {
          expect({ kind, status: answers[kind].answer.status, body: answers[kind].answer.body }).toEqual({
            kind,
            status: wrong.answer.status,
            body: wrong.answer.body,
          })
          expect({ kind, operations: answers[kind].operations }).toEqual({ kind, operations: wrong.operations })
        }
      })
    }
  })
}
