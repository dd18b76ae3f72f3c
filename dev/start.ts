// `npm start` (`npm run start:node`, with --node): with no COGNITO_* configured, run the service
// against an embedded cognito-local (started, provisioned and stopped with it); with COGNITO_* set,
// just run the service. On Bun it runs in this process; on Node, as a child (node-child.ts).
import { DEFAULT_PORT, processEnv } from '../src/config.ts'
import { main as runOnBun } from '../src/main.ts'
import { startExamplePage } from './example/server.ts'
import { EmulatorPortBusyError, startEmulator } from './local-cognito/emulator.ts'
import { runOnNode } from './node-child.ts'
import { provision } from './local-cognito/provision.ts'
import { BREACHED_PASSWORDS, startPwnedPasswordsStub } from '../test/support/pwned-passwords-stub.ts'

const env = processEnv()
const main = process.argv.includes('--node') ? runOnNode : runOnBun
const usesRealCognito = env.COGNITO_USER_POOL_ID !== undefined || env.COGNITO_CLIENT_ID !== undefined

if (usesRealCognito) {
  await main(env)
} else {
  const dataDir = env.LOCAL_COGNITO_DIR ?? '.local-cognito'
  const say = (line: string) => process.stderr.write(`[local-cognito] ${line}\n`)
  const emulator = await startEmulator({
    dataDir,
    port: Number(env.LOCAL_COGNITO_PORT ?? 9229),
    env,
    onCode: ({ destination, code }) => say(`code for ${destination}: ${code}`),
  }).catch((error: unknown) => {
    if (!(error instanceof EmulatorPortBusyError)) throw error
    say(error.message)
    process.exit(1)
  })
  // Whatever ends this process (Ctrl-C goes through the service's graceful shutdown) ends the emulator.
  process.on('exit', () => emulator.process.kill('SIGTERM'))
  // The local app client is the stack's in the refresh mode the service is told (the same flag values
  // as src/config.ts takes): rotating, or not and refreshing with REFRESH_TOKEN_AUTH.
  const refreshTokenRotation = /^(true|1)$/i.test(env.COGNITO_REFRESH_TOKEN_ROTATION?.trim() ?? '')
  const pool = await provision(emulator.endpoint, { refreshTokenRotation })
  say(`running on ${emulator.endpoint}, data in ${dataDir}/ (delete it to start over)`)
  const mode = pool.rotation
    ? `refresh tokens rotate (GetTokensFromRefreshToken, ${pool.rotation.graceSeconds} s grace period)`
    : 'refresh tokens do not rotate (REFRESH_TOKEN_AUTH; COGNITO_REFRESH_TOKEN_ROTATION=true for the stack default)'
  say(`user pool ${pool.userPoolId}, app client ${pool.clientId}: ${mode}`)
  say(
    'the codes Cognito would email (confirmation, password reset, sign-in) are printed here as "code for <email>: <code>"',
  )
  // The passwordless example page, on localhost (the local pool's passkey relying party).
  try {
    const example = startExamplePage({
      port: Number(env.EXAMPLE_PAGE_PORT ?? 8081),
      apiUrl: `http://127.0.0.1:${env.PORT ?? DEFAULT_PORT}`,
    })
    say(`example page (email codes, passkeys): ${example.url}`)
  } catch (error) {
    say(`example page not started: ${(error as Error).message} (set EXAMPLE_PAGE_PORT to a free port)`)
  }
  // The breached-password check runs as in production, against a local stand-in of the range API
  // (unless BREACHED_PASSWORD_API_URL names another), so no password prefix leaves the machine.
  const pwned = env.BREACHED_PASSWORD_API_URL === undefined ? startPwnedPasswordsStub() : undefined
  if (pwned) say(`breached-password check against a local stub; it refuses e.g. ${BREACHED_PASSWORDS.join(', ')}`)
  await main({
    ...(pwned ? { BREACHED_PASSWORD_API_URL: pwned.url } : {}),
    ...env,
    COGNITO_USER_POOL_ID: pool.userPoolId,
    COGNITO_CLIENT_ID: pool.clientId,
    COGNITO_CLIENT_SECRET: pool.clientSecret,
    COGNITO_ENDPOINT: emulator.endpoint,
    // The admin operations (AdminUserGlobalSignOut after a password change) are SigV4-signed; the
    // emulator checks no signature, so any key does.
    AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY ?? 'local',
  })
}
