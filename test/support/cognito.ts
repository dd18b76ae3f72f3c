// One real cognito-local for the whole test run (started on first use, stopped by preload.ts),
// behind the verifying proxy. Confirmation codes are read from the emulator's own output: the real
// path, no admin shortcut.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  CreateUserPoolClientCommand,
  GetUserCommand,
} from '@aws-sdk/client-cognito-identity-provider'
import { processEnv } from '../../src/config.ts'
import { startEmulator, type Emulator } from '../../dev/local-cognito/emulator.ts'
import { provision, type LocalPool } from '../../dev/local-cognito/provision.ts'
import { referenceSecretHash } from './cognito-wire.ts'
import { startVerifyingProxy, type VerifyingProxy } from './verifying-proxy.ts'
import { freePort, waitFor } from './util.ts'

export interface TestCognito {
  emulator: Emulator
  proxy: VerifyingProxy
  pool: LocalPool
  /** A second app client of the same pool, with no secret (a public client). */
  publicClientId: string
  /** The nth code (1: the first) cognito-local "emailed" to this address; waits for it. */
  codeFor(email: string, nth?: number): Promise<string>
  /** Confirm a sign-up with the emailed code, as a client would (ConfirmSignUp with SECRET_HASH). */
  confirm(email: string): Promise<void>
  /**
   * An operator-created ("invited") user with a temporary password and no invitation email: its first
   * sign-in is the NEW_PASSWORD_REQUIRED challenge. Resolves to the actual username (a UUID).
   */
  invite(email: string, temporaryPassword: string): Promise<string>
  /** The user's attributes as Cognito stores them (GetUser with the access token). */
  userAttributes(accessToken: string): Promise<Record<string, string>>
  /** Environment for a service wired to the proxy. */
  serviceEnv(overrides?: Record<string, string | undefined>): Record<string, string>
}

let shared: Promise<TestCognito> | undefined
let dataDir: string | undefined
const cleanups: Array<() => Promise<void> | void> = []

export const testCognito = (): Promise<TestCognito> => (shared ??= start())

export async function stopTestCognito(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
}

async function start(): Promise<TestCognito> {
  dataDir = mkdtempSync(join(tmpdir(), 'user-service-cognito-'))
  const codes = new Map<string, string[]>()
  const output: string[] = []
  const emulator = await startEmulator({
    dataDir,
    port: await freePort(),
    env: processEnv(),
    onCode: ({ destination, code }) => {
      const key = destination.toLowerCase()
      codes.set(key, [...(codes.get(key) ?? []), code])
    },
    onLine: (line) => output.push(line),
  })
  cleanups.push(() => emulator.stop())
  const pool = await provision(emulator.endpoint)
  const proxy = startVerifyingProxy(emulator.endpoint)
  cleanups.push(() => proxy.stop())
  proxy.addClient(pool.clientId, pool.clientSecret)

  const admin = new CognitoIdentityProviderClient({
    region: 'local',
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  cleanups.push(() => admin.destroy())
  const publicClient = await admin.send(
    new CreateUserPoolClientCommand({
      UserPoolId: pool.userPoolId,
      ClientName: 'public',
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'],
    }),
  )
  const publicClientId = publicClient.UserPoolClient!.ClientId!
  proxy.addClient(publicClientId, undefined)

  const codeFor = (email: string, nth = 1) =>
    waitFor(() => codes.get(email.toLowerCase())?.[nth - 1], `code #${nth} for ${email}`).catch((error: Error) => {
      throw new Error(`${error.message}; cognito-local's last lines:\n${output.slice(-30).join('\n')}`)
    })
  return {
    emulator,
    proxy,
    pool,
    publicClientId,
    codeFor,
    async confirm(email) {
      const code = await codeFor(email)
      const SecretHash = referenceSecretHash(pool.clientSecret, email, pool.clientId)
      await admin.send(
        new ConfirmSignUpCommand({ ClientId: pool.clientId, Username: email, ConfirmationCode: code, SecretHash }),
      )
    },
    async invite(email, temporaryPassword) {
      const created = await admin.send(
        new AdminCreateUserCommand({
          UserPoolId: pool.userPoolId,
          Username: email,
          TemporaryPassword: temporaryPassword,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'nickname', Value: 'invited' },
          ],
        }),
      )
      return created.User!.Username!
    },
    async userAttributes(accessToken) {
      const user = await admin.send(new GetUserCommand({ AccessToken: accessToken }))
      return Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name!, a.Value ?? '']))
    },
    serviceEnv: (overrides = {}) =>
      withoutUndefined({
        PORT: '0',
        COGNITO_USER_POOL_ID: pool.userPoolId,
        COGNITO_CLIENT_ID: pool.clientId,
        COGNITO_CLIENT_SECRET: pool.clientSecret,
        COGNITO_ENDPOINT: proxy.url,
        COGNITO_ISSUER: `${emulator.endpoint}/${pool.userPoolId}`,
        // The admin operations (AdminUserGlobalSignOut) are SigV4-signed; the emulator checks no signature.
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        LOG_LEVEL: 'info',
        // The suite is one client IP sending hundreds of sign-ins; abuse.test.ts tests the limits.
        RATE_LIMITS_ENABLED: 'false',
        // Tests never reach the internet: breached-passwords.test.ts turns the check on against a stub.
        BREACHED_PASSWORD_CHECK: 'false',
        ...overrides,
      }),
  }
}

const withoutUndefined = (env: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined))
