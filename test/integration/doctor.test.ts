// `user-service doctor` against the local Cognito: the local pool fits (exit 0), a pool made against
// the service's needs is reported line by line (exit 1), and the probe without a terminal reports the
// code steps as not settled and deletes its user, also when a step fails.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { resolve } from 'node:path'
import {
  AdminGetUserCommand,
  type CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider'
import { type DoctorIo, runDoctor } from '../../src/doctor/doctor.ts'
import { adminOf } from '../support/app-clients.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { uniqueEmail } from '../support/util.ts'

const ROOT = resolve(import.meta.dir, '../..')
let cognito: TestCognito
let admin: CognitoIdentityProviderClient

beforeAll(async () => {
  cognito = await testCognito()
  admin = adminOf(cognito)
})
afterAll(() => admin?.destroy())

/** The service's environment for the local pool (straight to the emulator: the doctor makes admin calls). */
const localEnv = (overrides: Record<string, string> = {}) => ({
  COGNITO_USER_POOL_ID: cognito.pool.userPoolId,
  COGNITO_CLIENT_ID: cognito.pool.clientId,
  COGNITO_CLIENT_SECRET: cognito.pool.clientSecret,
  COGNITO_ENDPOINT: cognito.emulator.endpoint,
  CORS_ORIGINS: 'http://localhost:8081',
  ...overrides,
})

/** Runs the doctor in process; resolves to its exit code and every line it said. */
async function doctor(args: string[], env: Record<string, string>, io: Partial<DoctorIo> = {}) {
  const lines: string[] = []
  const code = await runDoctor(args, env, { admin, say: (line) => lines.push(line), ...io })
  return { code, lines, text: lines.join('\n') }
}

const userExists = (email: string) =>
  admin.send(new AdminGetUserCommand({ UserPoolId: cognito.pool.userPoolId, Username: email })).then(
    () => true,
    (error: Error) => (error.name === 'UserNotFoundException' ? false : Promise.reject(error)),
  )

describe('the checks', () => {
  test('the local pool fits: every line ok (or a note), nothing must change, exit 0', async () => {
    const { code, lines, text } = await doctor([], localEnv())
    expect(text).not.toContain('CHANGE')
    for (const subject of [
      'sign-in name',
      'nickname attribute',
      'email verification',
      'client secret',
      'auth flows',
      'refresh-token rotation',
      'token revocation',
      'AuthSessionValidity',
      'PreventUserExistenceErrors',
      'feature plan',
      'first factors',
      'email sending',
      'authenticator apps',
      'passkey relying party',
      'session tracking',
      'user context data',
    ])
      expect(lines.some((line) => line.startsWith(`ok      ${subject}:`))).toBe(true)
    expect(text).not.toContain(cognito.pool.clientSecret)
    expect(code).toBe(0)
  })

  test('configured for rotation while the client does not rotate, with a wrong secret and an origin the passkeys do not cover: exit 1', async () => {
    const { code, text } = await doctor(
      [],
      localEnv({
        COGNITO_REFRESH_TOKEN_ROTATION: 'true',
        COGNITO_CLIENT_SECRET: 'not-the-secret-of-this-client',
        CORS_ORIGINS: 'https://app.example.com',
      }),
    )
    expect(text).toContain('CHANGE  refresh-token rotation: the app client does not rotate refresh tokens')
    expect(text).toContain("CHANGE  client secret: COGNITO_CLIENT_SECRET is not the app client's secret")
    expect(text).toContain('CHANGE  passkey relying party: localhost does not cover https://app.example.com')
    expect(text).not.toContain('not-the-secret-of-this-client')
    expect(code).toBe(1)
  })

  test('during a secret rotation the secret the app client shows may be the previous one', async () => {
    const rotating = localEnv({
      COGNITO_CLIENT_SECRET: 'the-new-secret-of-this-client',
      COGNITO_CLIENT_SECRET_PREVIOUS: cognito.pool.clientSecret,
    })
    const { text } = await doctor([], rotating)
    expect(text).toContain('ok      client secret: COGNITO_CLIENT_SECRET_PREVIOUS is the secret the app client shows')
    expect(text).not.toContain('the-new-secret-of-this-client')
    expect(text).not.toContain(cognito.pool.clientSecret)
  })

  test('a pool and client made against every need: one CHANGE line per need, exit 1', async () => {
    const pool = await admin.send(
      new CreateUserPoolCommand({ PoolName: `doctor-misfit-${Date.now()}`, UserPoolTier: 'LITE' }),
    )
    const userPoolId = pool.UserPool!.Id!
    const client = await admin.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: 'misfit',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'],
        EnableTokenRevocation: false,
        PreventUserExistenceErrors: 'LEGACY',
        RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 0 },
      }),
    )
    const { code, text } = await doctor(
      [],
      localEnv({ COGNITO_USER_POOL_ID: userPoolId, COGNITO_CLIENT_ID: client.UserPoolClient!.ClientId! }),
    )
    for (const line of [
      // The emulator's pools default to email as the username (dev/local-cognito/emulator.ts), so case is what misfits.
      'CHANGE  sign-in name: usernames must be case-insensitive',
      'CHANGE  nickname attribute: nickname must be a required attribute',
      'CHANGE  email verification: set AutoVerifiedAttributes: [email]',
      'CHANGE  client secret: the app client has no secret',
      'CHANGE  auth flows: add ALLOW_USER_AUTH',
      'CHANGE  refresh-token rotation: the app client rotates refresh tokens',
      'CHANGE  token revocation: set EnableTokenRevocation: true',
      'CHANGE  AuthSessionValidity: 3 min',
      'CHANGE  PreventUserExistenceErrors: set ENABLED',
      'CHANGE  feature plan: LITE',
      'CHANGE  first factors: add EMAIL_OTP, WEB_AUTHN',
      'CHANGE  email sending:',
      'CHANGE  authenticator apps:',
      'CHANGE  passkey relying party: set WebAuthnConfiguration.RelyingPartyId',
      'CHANGE  session tracking: set UserSessionTracking ENABLED',
    ])
      expect(text).toContain(line)
    expect(code).toBe(1)
  })

  test('a pool that does not exist: the doctor cannot run, exit 2', async () => {
    const { code, text } = await doctor([], localEnv({ COGNITO_USER_POOL_ID: 'local_NoSuchPool' }))
    expect(text).toContain('cannot read the pool or the app client')
    expect(code).toBe(2)
  })

  test('bad arguments and bad configuration: exit 2 with the reason', async () => {
    expect((await doctor(['--probe'], localEnv())).code).toBe(2)
    expect((await doctor(['--probe-email', 'not-an-address', '--probe'], localEnv())).code).toBe(2)
    const unconfigured = await doctor([], {})
    expect(unconfigured.text).toContain('COGNITO_USER_POOL_ID is required')
    expect(unconfigured.code).toBe(2)
  })
})

describe('the probe', () => {
  test('without a terminal: the code steps are not settled, the others answered, the user deleted', async () => {
    const email = uniqueEmail('probe')
    const { code, text } = await doctor(['--probe', '--probe-email', email], localEnv())
    expect(text).toContain(`probe: created the user ${email}`)
    expect(text).toContain('probe   emailed code length (not settled)')
    expect(text).toContain('real pool:     not settled: no terminal to type the emailed code')
    expect(text).toContain('probe   USER_AUTH username\n')
    expect(text).toContain('probe   USER_AUTH for an unknown user\n')
    expect(text).toContain('probe   preferred challenge not available (WEB_AUTHN, no passkey)\n')
    expect(text).toMatch(/RevokeToken with a wrong client secret\n {10}real pool: {5}UnauthorizedException/)
    expect(text).toMatch(/RevokeUserSession of the caller's own session\n {10}real pool: {5}InvalidParameterException/)
    expect(text).toContain(`probe: deleted the user ${email}`)
    expect(text).not.toContain(cognito.pool.clientSecret)
    expect(await userExists(email)).toBe(false)
    expect(code).toBe(0)
  })

  test('with the codes typed: the length read from them, the three-wrong-codes rule settled', async () => {
    const email = uniqueEmail('probe-typed')
    let typed = 0
    const { text } = await doctor(['--probe', `--probe-email=${email}`], localEnv(), {
      ask: () => cognito.codeFor(email, ++typed),
    })
    expect(text).toContain('probe   emailed code length\n          real pool:     8 characters, digits')
    expect(text).toMatch(
      /three wrong codes, then the right one\n {10}real pool: {5}CodeMismatchException.*; right code: NotAuthorizedException/,
    )
    expect(await userExists(email)).toBe(false)
  })

  test('a step that fails does not keep the user', async () => {
    const email = uniqueEmail('probe-fails')
    const { text } = await doctor(['--probe', '--probe-email', email], localEnv(), {
      ask: () => Promise.reject(new Error('the terminal went away')),
    })
    expect(text).toContain('real pool:     stopped: Error: the terminal went away')
    expect(await userExists(email)).toBe(false)
  })

  test('an address that already has an account is neither probed nor deleted', async () => {
    const email = uniqueEmail('probe-taken')
    await cognito.invite(email, 'TempLocalTest0000!')
    const { text } = await doctor(['--probe', '--probe-email', email], localEnv())
    expect(text).toContain('create the probe user (not settled)')
    expect(await userExists(email)).toBe(true)
  })
})

test('the subcommand: `bun src/main.ts doctor` with the operator credentials reports and exits 0', async () => {
  const proc = Bun.spawn(['bun', 'src/main.ts', 'doctor'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      ...localEnv(),
    },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [code, stdout] = await Promise.all([proc.exited, new Response(proc.stdout).text()])
  expect(stdout).toContain('ok      sign-in name: email, in any letter case')
  expect(stdout).toContain('nothing must change')
  expect(code).toBe(0)
})
