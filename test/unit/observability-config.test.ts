// The observability settings (src/config.ts): METRICS_PORT and AUTH_EVENT_EMAIL_KEY.
import { describe, expect, test } from 'bun:test'
import { ConfigError, parseConfig } from '../../src/config.ts'

const BASE = { COGNITO_USER_POOL_ID: 'ap-northeast-2_AbC123xyz', COGNITO_CLIENT_ID: '7rlsexxmqy81in032jb8lmyp5' }

const problemsOf = (env: Record<string, string>) => {
  try {
    parseConfig({ ...BASE, ...env })
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

describe('METRICS_PORT', () => {
  test('unset (or blank): no metrics', () => {
    expect(parseConfig(BASE).metricsPort).toBeUndefined()
    expect(parseConfig({ ...BASE, METRICS_PORT: ' ' }).metricsPort).toBeUndefined()
  })
  test('a port, or 0 for a free one', () => {
    expect(parseConfig({ ...BASE, METRICS_PORT: '9464' }).metricsPort).toBe(9464)
    expect(parseConfig({ ...BASE, METRICS_PORT: '0' }).metricsPort).toBe(0)
  })
  test('never the API port, never garbage', () => {
    expect(problemsOf({ PORT: '9000', METRICS_PORT: '9000' })).toEqual([
      'METRICS_PORT must differ from PORT: metrics are never served on the API port',
    ])
    expect(problemsOf({ METRICS_PORT: '8080' })).toHaveLength(1)
    expect(problemsOf({ METRICS_PORT: 'yes' })).toEqual(['METRICS_PORT must be an integer from 0 to 65535'])
    expect(problemsOf({ METRICS_PORT: '70000' })).toEqual(['METRICS_PORT must be an integer from 0 to 65535'])
  })
})

describe('AUTH_EVENT_EMAIL_KEY', () => {
  test('unset: no key (events carry no email hash)', () => {
    expect(parseConfig(BASE).eventEmailKey).toBeUndefined()
  })
  test('a random key of 32+ characters', () => {
    const key = 'x'.repeat(32)
    expect(parseConfig({ ...BASE, AUTH_EVENT_EMAIL_KEY: key }).eventEmailKey).toBe(key)
  })
  test('a short key is refused, and the message does not echo it', () => {
    const problems = problemsOf({ AUTH_EVENT_EMAIL_KEY: 'short-secret' })
    expect(problems).toEqual(['AUTH_EVENT_EMAIL_KEY must be at least 32 characters (a random key)'])
    expect(problems.join(' ')).not.toContain('short-secret')
  })
})
