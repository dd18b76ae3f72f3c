// REDIS_URL and the settings that go with it (src/config.ts).
import { describe, expect, test } from 'bun:test'
import { ConfigError, parseConfig, type Env } from '../../src/config.ts'

const BASE = { COGNITO_USER_POOL_ID: 'ap-northeast-2_AbC123xyz', COGNITO_CLIENT_ID: '7rlsexxmqy81in032jb8lmyp5' }
const SECRET = 'a-client-secret-of-the-app-client-0123456789'
const STATE_KEY = 'k'.repeat(32)

/** The configuration is refused with exactly one problem, starting with `start`; answers it. */
const expectOneProblem = (env: Env, start: string): string => {
  const refusal = (() => {
    try {
      parseConfig(env)
    } catch (error) {
      return error
    }
  })()
  expect(refusal).toBeInstanceOf(ConfigError)
  const { problems } = refusal as ConfigError
  expect(problems).toHaveLength(1)
  expect(problems[0]).toStartWith(start)
  return problems[0]!
}

describe('the state store settings', () => {
  test('REDIS_URL unset: no store, whatever else is set (each task keeps its state in memory)', () => {
    expect(parseConfig(BASE).store).toBeUndefined()
    expect(parseConfig({ ...BASE, STORE_DEADLINE_MS: '20', REDIS_CLUSTER: 'true' }).store).toBeUndefined()
  })

  test('redis:// and rediss:// with the client secret as the state key; a 50 ms deadline; not cluster by default', () => {
    expect(parseConfig({ ...BASE, COGNITO_CLIENT_SECRET: SECRET, REDIS_URL: 'redis://cache:6379' }).store).toEqual({
      url: 'redis://cache:6379',
      cluster: false,
      deadlineMs: 50,
      stateKey: SECRET,
    })
    const tls = parseConfig({
      ...BASE,
      COGNITO_CLIENT_SECRET: SECRET,
      REDIS_URL: 'rediss://user:pw@cache.example.com:6379',
      REDIS_CLUSTER: 'true',
      STORE_DEADLINE_MS: '30',
    }).store
    expect(tls).toMatchObject({ url: 'rediss://user:pw@cache.example.com:6379', cluster: true, deadlineMs: 30 })
  })

  test('REDIS_PASSWORD goes with REDIS_URL (from a secret store, apart from the URL); alone it is ignored', () => {
    const env = { ...BASE, COGNITO_CLIENT_SECRET: SECRET, REDIS_PASSWORD: 'from-secrets-manager' }
    expect(parseConfig({ ...env, REDIS_URL: 'rediss://app@cache:6379' }).store?.password).toBe('from-secrets-manager')
    expect(parseConfig(env).store).toBeUndefined()
  })

  test('a public client needs STATE_KEY (32+ characters) with REDIS_URL; the client secret wins when both are set', () => {
    expectOneProblem({ ...BASE, REDIS_URL: 'redis://cache:6379' }, 'STATE_KEY is required with REDIS_URL')
    expectOneProblem(
      { ...BASE, REDIS_URL: 'redis://cache:6379', STATE_KEY: 'short' },
      'STATE_KEY must be at least 32 characters',
    )
    expect(parseConfig({ ...BASE, REDIS_URL: 'redis://cache:6379', STATE_KEY }).store?.stateKey).toBe(STATE_KEY)
    const both = { ...BASE, REDIS_URL: 'redis://c:6379', STATE_KEY, COGNITO_CLIENT_SECRET: SECRET }
    expect(parseConfig(both).store?.stateKey).toBe(SECRET)
  })

  test.each([['http://cache:6379'], ['cache:6379'], ['redis://:6379'], ['redis//cache']])(
    'REDIS_URL %p stops the start with one problem that does not echo it',
    (url) => {
      const env = { ...BASE, COGNITO_CLIENT_SECRET: SECRET, REDIS_URL: url }
      expect(expectOneProblem(env, 'REDIS_URL must look like')).not.toContain(` ${url}`)
    },
  )

  test('a password in a malformed REDIS_URL is not in the message', () => {
    const env = { ...BASE, COGNITO_CLIENT_SECRET: SECRET, REDIS_URL: 'https://u:hunter2secret@cache' }
    expect(expectOneProblem(env, 'REDIS_URL')).not.toContain('hunter2secret')
  })

  test.each([['4'], ['5001'], ['fast']])('STORE_DEADLINE_MS %p is rejected', (value) => {
    expectOneProblem(
      { ...BASE, COGNITO_CLIENT_SECRET: SECRET, REDIS_URL: 'redis://c:6379', STORE_DEADLINE_MS: value },
      'STORE_DEADLINE_MS must be an integer',
    )
  })
})
