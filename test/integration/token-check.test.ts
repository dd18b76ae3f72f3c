// The token check behind real proxies: Debian's nginx (auth_request) and caddy (forward_auth) in front
// of a recording upstream, asking the running service (SERVICE_TARGET) against the local Cognito. A
// request with a valid token reaches the upstream with the service's identity headers; without one,
// with garbage, an expired or a signed-out token, the client gets the 401 and the upstream is never
// called; identity headers the client forges never reach it.
import { createSign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import {
  AdminAddUserToGroupCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider'
import { signedInAccount, type SignedInAccount } from '../support/accounts.ts'
import { bearer, post, request } from '../support/http.ts'
import { type RunningProxy, startCaddy, startNginx, startUpstream, type Upstream } from '../support/proxies.ts'
import { serviceForFile, startService } from '../support/service.ts'
import { PASSWORD } from '../support/util.ts'

const file = serviceForFile()
const GROUP = 'proxy-admins'

/**
 * The token with `exp` moved to `expiresIn` seconds from now (`iat` an hour before it) and `changes`
 * made to its claims, signed again with cognito-local's own key: genuine but for what was changed.
 */
function resignedCopyOf(token: string, expiresIn: number, changes: Record<string, unknown> = {}): string {
  const [header, payload] = token.split('.') as [string, string]
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, number>
  const now = Math.floor(Date.now() / 1000)
  const moved = Buffer.from(
    JSON.stringify({ ...claims, iat: now + expiresIn - 3600, exp: now + expiresIn, ...changes }),
  ).toString('base64url')
  const { pem } = JSON.parse(
    readFileSync(
      resolve(import.meta.dir, '../../node_modules/cognito-local/lib/keys/cognitoLocal.private.json'),
      'utf8',
    ),
  ) as { pem: string }
  const signature = createSign('RSA-SHA256').update(`${header}.${moved}`).sign(pem, 'base64url')
  return `${header}.${moved}.${signature}`
}

/** A signed-in account in GROUP (added before it signs in, so its token lists the group). */
async function accountInGroup(): Promise<SignedInAccount & { sub: string; username: string }> {
  const { service, cognito, seen } = file
  const account = await signedInAccount(service.url, cognito, { tag: 'proxy', seen })
  const admin = new CognitoIdentityProviderClient({
    region: 'local',
    endpoint: cognito.emulator.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  try {
    await admin.send(new CreateGroupCommand({ UserPoolId: cognito.pool.userPoolId, GroupName: GROUP })).catch(() => {})
    await admin.send(
      new AdminAddUserToGroupCommand({
        UserPoolId: cognito.pool.userPoolId,
        Username: account.tokens.username,
        GroupName: GROUP,
      }),
    )
  } finally {
    admin.destroy()
  }
  const again = await post(service.url, '/signin', { email: account.email, password: PASSWORD })
  expect(again.status).toBe(200)
  seen.push(again.body.accessToken, again.body.refreshToken, again.body.idToken)
  const checked = await request(service.url, 'GET', '/token/verify', { headers: bearer(again.body.accessToken) })
  expect(checked.status).toBe(200)
  expect(checked.body.groups).toEqual([GROUP])
  return {
    email: account.email,
    tokens: again.body,
    auth: bearer(again.body.accessToken),
    sub: checked.body.sub,
    username: checked.body.username,
  }
}

const FORGED = {
  'x-auth-request-user': 'admin',
  'x-auth-request-preferred-username': 'admin',
  'x-auth-request-groups': 'admins',
  'x-auth-request-email': 'admin@example.com',
}

describe.each([
  ['nginx auth_request', startNginx],
  ['caddy forward_auth', startCaddy],
] as const)('behind %s', (_name, start) => {
  let upstream: Upstream
  let proxy: RunningProxy
  beforeAll(async () => {
    upstream = startUpstream()
    proxy = await start(file.service.url, upstream.url)
  })
  afterAll(async () => {
    await proxy?.stop()
    upstream?.stop()
  })

  const through = (path: string, headers: Record<string, string>, method = 'GET') =>
    fetch(`${proxy.url}${path}`, { method, headers }).then(async (res) => ({ res, text: await res.text() }))

  test('a valid token reaches the upstream with the service’s identity headers, not the ones the client forged', async () => {
    const account = await accountInGroup()
    const before = upstream.received.length
    const { res, text } = await through('/orders/7?expand=items', { ...account.auth, ...FORGED }, 'POST')
    expect({ status: res.status, text }).toEqual({ status: 200, text: 'upstream' })
    expect(upstream.received.length).toBe(before + 1)
    const seen = upstream.received.at(-1)!
    expect({ method: seen.method, path: seen.path }).toEqual({ method: 'POST', path: '/orders/7?expand=items' })
    expect(seen.headers).toMatchObject({
      'x-auth-request-user': account.sub,
      'x-auth-request-preferred-username': account.username,
      'x-auth-request-groups': GROUP,
      'x-auth-request-scope': 'aws.cognito.signin.user.admin',
    })
    expect(Number(seen.headers['x-auth-request-auth-time'])).toBeGreaterThan(Date.now() / 1000 - 600)
    for (const [name, value] of Object.entries(FORGED))
      expect({ name, value: seen.headers[name] }).not.toEqual({ name, value })
  })

  test('no token, garbage, an expired token: 401 with WWW-Authenticate, and the upstream is never called', async () => {
    const account = await signedInAccount(file.service.url, file.cognito, { tag: 'proxy', seen: file.seen })
    const expired = resignedCopyOf(account.tokens.accessToken, -60)
    // The same copy with a future expiry passes: the expired one is refused for its age, nothing else.
    const current = resignedCopyOf(account.tokens.accessToken, 600)
    expect((await through('/control', bearer(current))).res.status).toBe(200)
    const before = upstream.received.length
    const cases: Array<[string, Record<string, string>, string]> = [
      ['no token', { ...FORGED }, 'Bearer'],
      ['garbage', { ...bearer('garbage.token.here'), ...FORGED }, 'Bearer error="invalid_token"'],
      ['expired', { ...bearer(expired), ...FORGED }, 'Bearer error="invalid_token"'],
    ]
    for (const [what, headers, challenge] of cases) {
      const { res } = await through('/orders', headers)
      expect({ what, status: res.status, challenge: res.headers.get('www-authenticate') }).toEqual({
        what,
        status: 401,
        challenge,
      })
    }
    expect(upstream.received.length).toBe(before)
  })

  test('after a sign-out through the service, the token is refused at once and the upstream is not called', async () => {
    const account = await signedInAccount(file.service.url, file.cognito, { tag: 'proxy', seen: file.seen })
    expect((await through('/before', account.auth)).res.status).toBe(200)
    expect((await post(file.service.url, '/signout', {}, account.auth)).status).toBe(204)
    const before = upstream.received.length
    const { res } = await through('/after', account.auth)
    expect({ status: res.status, challenge: res.headers.get('www-authenticate') }).toEqual({
      status: 401,
      challenge: 'Bearer error="invalid_token"',
    })
    expect(upstream.received.length).toBe(before)
  })
})

describe('asked directly', () => {
  test('every kind of bad token is a 401 invalid_token, never a 5xx; Cognito is not asked', async () => {
    const { service, cognito, seen } = file
    const account = await signedInAccount(service.url, cognito, { tag: 'proxy', seen })
    const access = account.tokens.accessToken
    const [header] = access.split('.')
    const callsBefore = cognito.proxy.calls.length
    const bad: Record<string, string> = {
      'not a JWT': 'a.b.c',
      'alg none': `${Buffer.from('{"alg":"none"}').toString('base64url')}.${access.split('.')[1]}.`,
      'signature of another token': `${header}.${access.split('.')[1]}.${account.tokens.idToken.split('.')[2]}`,
      'an ID token': account.tokens.idToken,
      'another app client': resignedCopyOf(access, 600, { client_id: 'another-client' }),
      'another issuer': resignedCopyOf(access, 600, {
        iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other',
      }),
      'an ID token’s token_use': resignedCopyOf(access, 600, { token_use: 'id' }),
      'an unknown key id': `${Buffer.from('{"kid":"nope","alg":"RS256"}').toString('base64url')}.${access.split('.')[1]}.${access.split('.')[2]}`,
    }
    for (const [what, token] of Object.entries(bad)) {
      const res = await request(service.url, 'GET', '/token/verify', { headers: bearer(token) })
      expect({ what, status: res.status, code: res.body?.code }).toEqual({ what, status: 401, code: 'invalid_token' })
    }
    expect(cognito.proxy.calls.length).toBe(callsBefore)
  })
})

describe('TOKEN_CHECK_PORT: the token check alone on a port of its own', () => {
  test('serves /token/verify as the API port does, and nothing else', async () => {
    const service = await startService(file.cognito.serviceEnv({ TOKEN_CHECK_PORT: '0', TRUST_PROXY: 'false' }))
    try {
      const port = service.logs().find((l) => l.msg === 'listening')?.tokenCheckPort as number
      expect(port).toBeGreaterThan(0)
      expect(port).not.toBe(service.port)
      const check = `http://127.0.0.1:${port}`
      const account = await signedInAccount(service.url, file.cognito, { tag: 'proxy', seen: file.seen })
      const allowed = await request(check, 'GET', '/token/verify/app/path', { headers: account.auth })
      expect({ status: allowed.status, user: allowed.headers.get('x-auth-request-user') }).toEqual({
        status: 200,
        user: allowed.body.sub,
      })
      expect((await request(check, 'GET', '/token/verify')).status).toBe(401)
      for (const [method, path] of [
        ['POST', '/signin'],
        ['GET', '/health'],
        ['GET', '/swagger'],
      ] as const)
        expect({ path, status: (await fetch(`${check}${path}`, { method })).status }).toEqual({ path, status: 404 })
    } finally {
      await service.stop()
    }
  })
})
