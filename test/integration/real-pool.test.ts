// What a real user pool shaped like ours (email as the sign-in name, case-insensitive, an app client
// with a secret) requires of the service, against the strict local Cognito and the verifying proxy.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { confirmedAccount, signedInAccount } from '../support/accounts.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { expectNoSecrets, expectProblem, post, type JsonResponse } from '../support/http.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'

let cognito: TestCognito
let service: RunningService
let safe: RunningService
const TEMPORARY = 'TempLocalTest0000!'
const NEW_PASSWORD = 'AnotherLocalTest5678!'
const seen: string[] = [PASSWORD, TEMPORARY, NEW_PASSWORD]
/** Lines of the services a test starts and stops itself. */
const otherLines: string[] = []

beforeAll(async () => {
  cognito = await testCognito()
  seen.push(cognito.pool.clientSecret)
  ;[service, safe] = await Promise.all([
    startService(cognito.serviceEnv()),
    startService(cognito.serviceEnv({ SIGNUP_ENUMERATION_SAFE: 'true' })),
  ])
})
afterAll(async () => {
  await Promise.all([service?.stop(), safe?.stop()])
})

const remember = (res: JsonResponse) => {
  for (const key of ['idToken', 'accessToken', 'refreshToken', 'session'])
    if (typeof res.body?.[key] === 'string') seen.push(res.body[key])
  return res
}
const signIn = (email: string, password: string, on = service) =>
  post(on.url, '/signin', { email, password }).then(remember)
const answer = (email: string, session: string, password = NEW_PASSWORD) =>
  post(service.url, '/signin/challenge', {
    email,
    challengeName: 'NEW_PASSWORD_REQUIRED',
    session,
    responses: { NEW_PASSWORD: password },
  }).then(remember)

/** An operator-created user (temporary password): its first sign-in is NEW_PASSWORD_REQUIRED. */
async function invitedUser() {
  const email = uniqueEmail('invited')
  const username = await cognito.invite(email, TEMPORARY)
  const challenged = await signIn(email, TEMPORARY)
  expect(challenged.status).toBe(200)
  expect(challenged.body.challengeName).toBe('NEW_PASSWORD_REQUIRED')
  return { email, username, session: challenged.body.session as string }
}

describe('challenge answers name the actual username', () => {
  test('the documented body {email, challengeName, session, responses} signs an invited user in', async () => {
    const invited = await invitedUser()
    expect(invited.username).not.toBe(invited.email)
    // The session carries the username sealed: not readable, in clear or in base64url.
    expect(invited.session).toStartWith('u4.')
    expect(invited.session).not.toContain(invited.username)
    expect(invited.session).not.toContain(Buffer.from(invited.username).toString('base64url'))
    const res = await answer(invited.email, invited.session)
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ tokenType: 'Bearer', username: invited.username })
    // What reached Cognito: the actual username, hashed over it (the proxy checks both, from the docs).
    expect(cognito.proxy.calls.findLast((c) => c.operation === 'RespondToAuthChallenge')).toMatchObject({
      hashSent: true,
      hashValid: true,
    })
    expect((await signIn(invited.email, NEW_PASSWORD)).status).toBe(200)
  })

  test('the email in the body may be in any case: the session names the user', async () => {
    const invited = await invitedUser()
    expect((await answer(invited.email.toUpperCase(), invited.session)).status).toBe(200)
  })

  test('a client cannot answer for somebody else: a session edited to name another user is refused', async () => {
    const victim = await invitedUser()
    const attacker = await invitedUser()
    // u4.<account>.<sealed claims>.<Cognito's session>
    const [version, victimAccount] = victim.session.split('.', 2) as [string, string]
    const sealedPartOf = (value: string) => value.split('.', 3).join('.')
    const cognitoSessionOf = (value: string) => value.slice(sealedPartOf(value).length + 1)
    const victimSession = cognitoSessionOf(victim.session)
    const before = cognito.proxy.calls.length
    // Claims written by the client, naming the victim, in front of the victim's Cognito session.
    const claims = { username: victim.username, account: 'x', expiresAt: Date.now() + 60_000 }
    const forged = `u3.${victimAccount}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${victimSession}`
    expectProblem(await answer(victim.email, forged, 'Attacker0000!x'), 400, 'session_expired', ['Attacker0000!x'])
    // The attacker's own sealed claims moved onto the victim's Cognito session: the seal is bound to its session.
    const moved = `${sealedPartOf(attacker.session)}.${victimSession}`
    expectProblem(await answer(victim.email, moved, 'Attacker0000!x'), 400, 'session_expired', ['Attacker0000!x'])
    // The account in clear is bound to the seal: the attacker's session counted against the victim's account.
    const [, attackerAccount, attackerSealed] = attacker.session.split('.', 3)
    const recounted = `${version}.${victimAccount}.${attackerSealed}.${cognitoSessionOf(attacker.session)}`
    expect(attackerAccount).not.toBe(victimAccount)
    expectProblem(await answer(victim.email, recounted, 'Attacker0000!x'), 400, 'session_expired', ['Attacker0000!x'])
    // Refused before Cognito was asked.
    expect(cognito.proxy.calls.slice(before).filter((c) => c.operation === 'RespondToAuthChallenge')).toEqual([])
    // The victim still has the temporary password and the challenge.
    expect((await signIn(victim.email, TEMPORARY)).body.challengeName).toBe('NEW_PASSWORD_REQUIRED')
  })

  test('a made-up session and a used one are 400 session_expired (start again), never a 500', async () => {
    const invited = await invitedUser()
    expectProblem(await answer(invited.email, 'AYABeMadeUpSession0123456789'), 400, 'session_expired')
    expect((await answer(invited.email, invited.session)).status).toBe(200)
    expectProblem(await answer(invited.email, invited.session, 'YetAnother1234!x'), 400, 'session_expired')
  })
})

describe('sign-in of an unconfirmed account', () => {
  test('default mode: 403 user_not_confirmed, whatever the password', async () => {
    const email = uniqueEmail('unconfirmed')
    expect((await post(service.url, '/signup', { email, password: PASSWORD, nickname: 'u' })).status).toBe(201)
    expectProblem(await signIn(email, PASSWORD), 403, 'user_not_confirmed')
    expectProblem(await signIn(email, 'WrongPassword1!'), 403, 'user_not_confirmed')
  })

  test('SIGNUP_ENUMERATION_SAFE: byte-identical to an unknown email’s 401, with the right password or a wrong one', async () => {
    const email = uniqueEmail('unconfirmed')
    expect((await post(safe.url, '/signup', { email, password: PASSWORD, nickname: 'u' })).status).toBe(201)
    const unknown = await signIn(uniqueEmail('nobody'), PASSWORD, safe)
    expectProblem(unknown, 401, 'not_authorized')
    for (const password of [PASSWORD, 'WrongPassword1!']) {
      const res = await signIn(email, password, safe)
      expect(res.status).toBe(401)
      expect(res.text).toBe(unknown.text)
      expect(res.headers.get('content-type')).toBe(unknown.headers.get('content-type'))
    }
  })
})

describe('emails in any case reach one account', () => {
  test('sign-up of Walker@ after walker@ is 409; every route works with any case', async () => {
    const email = uniqueEmail('walker')
    const shouted = email.toUpperCase()
    expect((await post(service.url, '/signup', { email, password: PASSWORD, nickname: 'w' })).status).toBe(201)
    expectProblem(
      await post(service.url, '/signup', { email: `W${email.slice(1)}`, password: PASSWORD, nickname: 'w' }),
      409,
      'username_exists',
    )
    const code = await cognito.codeFor(email)
    expect((await post(service.url, '/signup/confirm', { email: shouted, code })).status).toBe(200)
    const signedIn = await signIn(shouted, PASSWORD)
    expect(signedIn.status).toBe(200)
    expect((await post(service.url, '/password/forgot', { email: shouted })).status).toBe(202)
    const reset = await post(service.url, '/password/reset', {
      email: shouted,
      code: await cognito.codeFor(email, 2),
      password: NEW_PASSWORD,
    })
    expect(reset.status).toBe(200)
    expect((await signIn(email, NEW_PASSWORD)).status).toBe(200)
  })
})

describe('answers that are the same locally and on AWS', () => {
  test('confirming a confirmed account answers like an unknown account (no state revealed)', async () => {
    const { email } = await confirmedAccount(service.url, cognito, { tag: 'confirmed' })
    const again = await post(service.url, '/signup/confirm', { email, code: '123456' })
    const unknown = await post(service.url, '/signup/confirm', { email: uniqueEmail('nobody'), code: '123456' })
    expect(again.status).toBe(400)
    expect(again.text).toBe(unknown.text)
  })

  test('/token/refresh with the email, or another user’s id, as username is 401 invalid_token', async () => {
    const { email, tokens } = await signedInAccount(service.url, cognito, { tag: 'refresh', seen })
    const { refreshToken, username } = tokens
    const otherUsername = (await signedInAccount(service.url, cognito, { tag: 'other', seen })).tokens.username
    for (const wrong of [email, otherUsername]) {
      expectProblem(await post(service.url, '/token/refresh', { refreshToken, username: wrong }), 401, 'invalid_token')
    }
    expect((await post(service.url, '/token/refresh', { refreshToken, username }).then(remember)).status).toBe(200)
  })
})

test('no password, token, session or secret from this file reached a log line', async () => {
  await Bun.sleep(50)
  expectNoSecrets([...service.lines, ...safe.lines, ...otherLines], seen)
})
