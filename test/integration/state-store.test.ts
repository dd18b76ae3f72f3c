// The state store client (src/state/store.ts) and the shared revocations on it
// (src/state/shared-revocations.ts), in process against a real redis-server, plain and as a
// one-node cluster: the deadline against a frozen server, reconnection by itself (also when the
// server was not there at start), and bad data in the store read as a miss.
import { afterEach, describe, expect, test } from 'bun:test'
import type { StoreConfig } from '../../src/config.ts'
import type { Logger } from '../../src/logging.ts'
import { createStateKeys } from '../../src/state/keyed-hash.ts'
import { entryKey, REVOCATION_INDEX_KEY } from '../../src/state/revocation-entries.ts'
import { shareRevocations } from '../../src/state/shared-revocations.ts'
import { openStore, UNAVAILABLE } from '../../src/state/store.ts'
import type { Store } from '../../src/state/store-types.ts'
import type { AccessClaims } from '../../src/tokens/claims.ts'
import { createRevocationList } from '../../src/tokens/revocations.ts'
import { STORE_USER_ACCESS } from '../../deploy/cdk/lib/state-store.ts'
import { startRedis, type TestRedis } from '../support/redis-server.ts'
import { freePort } from '../support/util.ts'

const DEADLINE_MS = 100
const STATE_KEY = 's'.repeat(32)

/** A logger that keeps its lines. */
function recordingLogger() {
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = []
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push({ level, msg, ...(fields ? { fields } : {}) })
  }
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
  return { logger, lines }
}

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function serverAndStore(cluster: boolean) {
  const redis = await startRedis({ cluster })
  cleanups.push(() => redis.stop())
  const { logger, lines } = recordingLogger()
  const changes: boolean[] = []
  const store = openStore(config(redis.port, cluster), {
    logger,
    onReachability: (up) => changes.push(up),
    probeIntervalMs: 100,
  })
  cleanups.push(() => store.close())
  await reachable(store)
  return { redis, store, lines, changes }
}

/**
 * A server with an ACL user `name` with the CDK stack's access, signing in with `password`; `closed`:
 * the default user turned off, so no connection works without signing in (as on ElastiCache).
 */
async function serverWithUser(name: string, password: string, { cluster = false, closed = false } = {}) {
  const redis = await startRedis({ cluster })
  cleanups.push(() => redis.stop())
  expect(await redis.cli('ACL', 'SETUSER', name, ...STORE_USER_ACCESS.split(' '), `>${password}`)).toBe('OK')
  if (closed) expect(await redis.cli('ACL', 'SETUSER', 'default', 'off')).toBe('OK')
  return redis
}

const config = (port: number, cluster: boolean): StoreConfig => ({
  url: `redis://127.0.0.1:${port}`,
  cluster,
  deadlineMs: DEADLINE_MS,
  stateKey: STATE_KEY,
})

async function reachable(store: Store, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!store.reachable) {
    if (Date.now() > deadline) throw new Error('the store did not become reachable')
    await Bun.sleep(20)
  }
}

/** The store as a task sees it before its first catch-up: reachable, and never told so. */
const withoutCatchUp = (store: Store): Store => ({
  reachable: true,
  command: (slotKey, args) => store.command(slotKey, args),
  subscribe: async () => {},
  onReachable: () => {},
  close: () => {},
})

const claims = (over: Partial<AccessClaims> = {}): AccessClaims => {
  const now = Math.floor(Date.now() / 1000)
  return {
    sub: 'sub-1',
    username: 'u',
    authTime: now - 10,
    jti: 'jti-1',
    issuedAt: now - 10,
    expiresAt: now + 3590,
    ...over,
  }
}

for (const cluster of [false, true]) {
  describe(`the state store (${cluster ? 'one-node cluster' : 'plain server'})`, () => {
    test('frozen: the first command is UNAVAILABLE at the deadline, the next ones at once; thawed: reachable again, told once each way', async () => {
      const { redis, store, lines, changes } = await serverAndStore(cluster)
      expect(await store.command('{t}:a', ['SET', '{t}:a', '1'])).toBe('OK')
      redis.freeze()
      let started = performance.now()
      expect(await store.command('{t}:a', ['GET', '{t}:a'])).toBe(UNAVAILABLE)
      const first = performance.now() - started
      expect(first).toBeGreaterThanOrEqual(DEADLINE_MS - 2)
      expect(first).toBeLessThan(DEADLINE_MS + 100)
      started = performance.now()
      expect(await store.command('{t}:a', ['GET', '{t}:a'])).toBe(UNAVAILABLE)
      expect(performance.now() - started).toBeLessThan(10)
      expect(store.reachable).toBe(false)
      redis.thaw()
      await reachable(store)
      expect(await store.command('{t}:a', ['GET', '{t}:a'])).toBe('1')
      expect(changes).toEqual([true, false, true])
      expect(lines.filter((l) => l.msg.startsWith('state store unreachable'))).toHaveLength(1)
      expect(lines.filter((l) => l.msg === 'state store reachable')).toHaveLength(2)
    })

    test('killed and started again: reconnects by itself and calls the reachable listeners again', async () => {
      const { redis, store } = await serverAndStore(cluster)
      let reachableCalls = 0
      store.onReachable(() => reachableCalls++)
      expect(reachableCalls).toBe(1)
      redis.kill()
      await Bun.sleep(300)
      expect(await store.command('{t}:a', ['GET', '{t}:a'])).toBe(UNAVAILABLE)
      await redis.restart()
      await reachable(store)
      // At least once more: on a loaded machine a probe right after the restart may miss the
      // deadline, and the store then comes back once more.
      expect(reachableCalls).toBeGreaterThanOrEqual(2)
      expect(await store.command('{t}:a', ['GET', '{t}:a'])).toBeNull()
    })

    test('a refused command (keys in two hash slots in cluster mode, a wrong type) is UNAVAILABLE and logged, the store stays reachable', async () => {
      const { store, lines } = await serverAndStore(cluster)
      await store.command('{t}:list', ['RPUSH', '{t}:list', 'x'])
      expect(await store.command('{t}:list', ['GET', '{t}:list'])).toBe(UNAVAILABLE)
      if (cluster) expect(await store.command('a', ['MGET', 'a', 'b'])).toBe(UNAVAILABLE)
      expect(store.reachable).toBe(true)
      expect(lines.some((l) => l.level === 'error' && l.msg === 'state store refused a command')).toBe(true)
    })
  })
}

test('no server at start: the store keeps trying and is reachable once one listens on its port', async () => {
  const port = await freePort()
  const { logger } = recordingLogger()
  const store = openStore(config(port, false), { logger, probeIntervalMs: 100 })
  cleanups.push(() => store.close())
  await Bun.sleep(300)
  expect(store.reachable).toBe(false)
  expect(await store.command('{t}:a', ['GET', '{t}:a'])).toBe(UNAVAILABLE)
  const redis: TestRedis = await startRedis({ port })
  cleanups.push(() => redis.stop())
  await reachable(store)
})

test('an ACL user with its password apart from the URL (REDIS_PASSWORD): connects; a wrong password does not', async () => {
  const password = 'a-password-from-secrets-manager-0123'
  const redis = await serverWithUser('app', password)
  const { logger } = recordingLogger()
  const url = `redis://app@127.0.0.1:${redis.port}`
  const good = openStore({ ...config(redis.port, false), url, password }, { logger, probeIntervalMs: 100 })
  const bad = openStore({ ...config(redis.port, false), url, password: 'wrong' }, { logger, probeIntervalMs: 100 })
  cleanups.push(
    () => good.close(),
    () => bad.close(),
  )
  await reachable(good)
  expect(await good.command('{t}:a', ['SET', '{t}:a', '1'])).toBe('OK')
  expect(bad.reachable).toBe(false)
  expect(await bad.command('{t}:a', ['GET', '{t}:a'])).toBe(UNAVAILABLE)
})

test("cluster mode with the stack's user and no default user (as ElastiCache): every node found signs in, revocations are shared", async () => {
  const password = 'a-password-from-secrets-manager-4567'
  const redis = await serverWithUser('app', password, { cluster: true, closed: true })
  const { logger } = recordingLogger()
  const url = `redis://app@127.0.0.1:${redis.port}`
  const store = openStore({ ...config(redis.port, true), url, password }, { logger, probeIntervalMs: 100 })
  cleanups.push(() => store.close())
  await reachable(store)
  expect(await store.command('{t}:a', ['ACL', 'WHOAMI'])).toBe('app')
  // What revocations need (a script that publishes, the read-back, a shard subscription) is within the user's access.
  const hash = createStateKeys(STATE_KEY).hasher('revocations')
  const writer = shareRevocations({ store, local: createRevocationList(), hash, logger })
  const heard = createRevocationList()
  const reader = shareRevocations({ store, local: heard, hash, logger })
  expect(await Promise.all([writer.caughtUpWithin(5000), reader.caughtUpWithin(5000)])).toEqual([true, true])
  const revoked = claims({ jti: 'jti-acl' })
  writer.list.revokeTokenId('jti-acl', revoked.expiresAt!)
  const deadline = Date.now() + 2000
  while (!heard.isRevoked(revoked) && Date.now() < deadline) await Bun.sleep(10)
  expect(heard.isRevoked(revoked)).toBe(true)
})

test('the credentials hook (for short-lived tokens such as ElastiCache IAM): asked for at connection, it decides over the URL', async () => {
  const password = 'a-short-lived-token-0123456789'
  const redis = await serverWithUser('iam-user', password)
  const { logger } = recordingLogger()
  let asked = 0
  const store = openStore(
    { ...config(redis.port, false), url: `redis://someone-else:wrong@127.0.0.1:${redis.port}` },
    {
      logger,
      probeIntervalMs: 100,
      credentials: async () => {
        asked++
        return { username: 'iam-user', password }
      },
    },
  )
  cleanups.push(() => store.close())
  await reachable(store)
  expect(asked).toBeGreaterThanOrEqual(1)
  expect(await store.command('{t}:a', ['ACL', 'WHOAMI'])).toBe('iam-user')
})

describe('shared revocations over the store', () => {
  test('unreadable entries in the index and under an entry key are ignored and logged; the token check answers', async () => {
    const { store, redis } = await serverAndStore(false)
    const hash = createStateKeys(STATE_KEY).hasher('revocations')
    const forgetAt = String(Date.now() + 60_000)
    await redis.cli('ZADD', REVOCATION_INDEX_KEY, forgetAt, 'not json')
    await redis.cli('ZADD', REVOCATION_INDEX_KEY, forgetAt, '{"kind":"token","id":7}')
    await redis.cli('ZADD', REVOCATION_INDEX_KEY, forgetAt, '{"kind":"a-kind-from-later","sub":"x"}')
    await redis.cli('SET', entryKey(hash, 'token', 'jti-1'), '{"kind":"token"')
    const { logger, lines } = recordingLogger()
    const local = createRevocationList()
    const shared = shareRevocations({ store, local, hash, logger })
    expect(await shared.caughtUpWithin(5000)).toBe(true)
    expect(local.size()).toBe(0)
    expect(lines.find((l) => l.msg === 'unreadable revocations in the state store: ignored')?.fields).toEqual({
      count: 3,
    })
    // A task that has not caught up reads the entry under the token's key: unreadable, a logged miss.
    const notCaughtUp = shareRevocations({ store: withoutCatchUp(store), local: createRevocationList(), hash, logger })
    expect(notCaughtUp.caughtUp).toBe(false)
    expect((await notCaughtUp.verifier(async () => claims())('token')).sub).toBe('sub-1')
    expect(
      lines.filter((l) => l.msg === 'unreadable revocations in the state store: ignored').map((l) => l.fields),
    ).toEqual([{ count: 3 }, { count: 1 }])
  })

  test('a task that has not caught up asks the store about each token: a stored revocation is a 401 invalid_token', async () => {
    const { store } = await serverAndStore(true)
    const hash = createStateKeys(STATE_KEY).hasher('revocations')
    const { logger } = recordingLogger()
    const writer = shareRevocations({ store, local: createRevocationList(), hash, logger })
    expect(await writer.caughtUpWithin(5000)).toBe(true)
    const user = claims({ sub: 'signed-out' })
    writer.list.revokeUserTokens('signed-out', user.issuedAt! + 1, user.expiresAt!)
    const local = createRevocationList()
    const reader = shareRevocations({ store: withoutCatchUp(store), local, hash, logger })
    const verify = reader.verifier(async () => user)
    const deadline = Date.now() + 2000
    let refusal: unknown
    while (refusal === undefined && Date.now() < deadline)
      await verify('token').catch((error: unknown) => (refusal = error))
    expect(refusal).toMatchObject({ code: 'invalid_token' })
    expect((await reader.verifier(async () => claims({ sub: 'someone-else' }))('token')).sub).toBe('someone-else')
  })

  test('a revocation reaches a second list through the store (cluster mode: every key of the script in one slot), under a hashed key', async () => {
    const { store, redis } = await serverAndStore(true)
    const hash = createStateKeys(STATE_KEY).hasher('revocations')
    const { logger } = recordingLogger()
    const first = shareRevocations({ store, local: createRevocationList(), hash, logger })
    const heard = createRevocationList()
    shareRevocations({ store, local: heard, hash, logger })
    const revoked = claims({ jti: 'jti-revoked' })
    first.list.revokeTokenId('jti-revoked', revoked.expiresAt!)
    const deadline = Date.now() + 2000
    while (!heard.isRevoked(revoked) && Date.now() < deadline) await Bun.sleep(10)
    expect(heard.isRevoked(revoked)).toBe(true)
    // The entry's key names a keyed hash, never the token id.
    expect(await redis.cli('KEYS', '*jti-revoked*')).toBe('')
    expect(await redis.cli('EXISTS', entryKey(hash, 'token', 'jti-revoked'))).toBe('1')
  })
})
