// Accounts made the way a client makes them, through a running service's routes: sign up, confirm
// with the code the test Cognito "emailed", sign in. The integration tests start from these.
import { expect } from 'bun:test'
import type { TestCognito } from './cognito.ts'
import { bearer, post, readResponse, requestInit, type JsonResponse } from './http.ts'
import { PASSWORD, uniqueEmail } from './util.ts'

/** Where the routes are: a running service's base URL, or an app called in process (createApp). */
export type Target = string | { handle(request: Request): Promise<Response> }

const postTo = async (target: Target, path: string, json: unknown): Promise<JsonResponse> =>
  typeof target === 'string'
    ? post(target, path, json)
    : readResponse(await target.handle(new Request(`http://localhost${path}`, requestInit('POST', { json }))))

export interface AccountOptions {
  /** The address to sign up; a fresh unique one (tagged with `tag`) by default. */
  email?: string
  tag?: string
  nickname?: string
  password?: string
}

/**
 * Signs up an account through the routes at `target` (POST /signup, expected 201) and confirms it in
 * `cognito` (ConfirmSignUp with the emailed code). Answers its email and the sign-up's userSub.
 */
export async function confirmedAccount(
  target: Target,
  cognito: TestCognito,
  { tag = 'user', email = uniqueEmail(tag), nickname = 'Test', password = PASSWORD }: AccountOptions = {},
): Promise<{ email: string; userSub: string }> {
  const signedUp = await postTo(target, '/signup', { email, password, nickname })
  expect(signedUp.status).toBe(201)
  await cognito.confirm(email)
  return { email, userSub: signedUp.body.userSub }
}

export interface SignedInAccount {
  email: string
  /** The /signin answer: idToken, accessToken, refreshToken, username… */
  tokens: { idToken: string; accessToken: string; refreshToken: string; username: string; [key: string]: unknown }
  /** The Authorization header that carries the access token. */
  auth: { authorization: string }
}

/**
 * A confirmed account (confirmedAccount), signed in through POST /signin (expected 200). Its tokens
 * are added to `seen` when given (the file's list of credentials that must never be logged).
 */
export async function signedInAccount(
  target: Target,
  cognito: TestCognito,
  options: AccountOptions & { seen?: string[] } = {},
): Promise<SignedInAccount> {
  const { email } = await confirmedAccount(target, cognito, options)
  const signedIn = await postTo(target, '/signin', { email, password: options.password ?? PASSWORD })
  expect(signedIn.status).toBe(200)
  options.seen?.push(signedIn.body.idToken, signedIn.body.accessToken, signedIn.body.refreshToken)
  return { email, tokens: signedIn.body, auth: bearer(signedIn.body.accessToken) }
}
