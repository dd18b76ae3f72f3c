import { expect, test } from 'bun:test'
import { createApp } from '../../src/app.ts'
import type { CognitoGateway } from '../../src/cognito/gateway.ts'
import { PROBLEM_CONTENT_TYPE } from '../../src/http/problem.ts'

test('an answer that breaks its own response schema is a 500 internal_error, logged, not a 400 blaming the client', async () => {
  const errors: Record<string, unknown>[] = []
  const logger = {
    debug() {},
    info() {},
    warn() {},
    error: (_msg: string, fields?: Record<string, unknown>) => void errors.push(fields ?? {}),
  }
  // Tokens without the username the 200 schema requires: a gateway bug.
  const gateway = {
    signIn: async () => ({
      tokens: { idToken: 'id-token-value', accessToken: 'access-token-value', expiresIn: 3600, tokenType: 'Bearer' },
    }),
  } as unknown as CognitoGateway
  const config = {
    trustProxy: false,
    swaggerEnabled: false,
    rateLimits: { enabled: false } as never,
    corsOrigins: [],
    signupEnumerationSafe: false,
    recentSignInSeconds: 600,
  }
  const app = createApp({
    config,
    gateway,
    verifyAccessToken: async () => ({ sub: 's', username: 'u', authTime: 0 }),
    logger,
  })
  const res = await app.handle(
    new Request('http://localhost/signin', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@example.com', password: 'Passw0rd!x' }),
    }),
  )
  expect(res.status).toBe(500)
  expect(res.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE)
  const body = (await res.json()) as Record<string, unknown>
  expect(body.code).toBe('internal_error')
  expect(JSON.stringify(body)).not.toContain('Passw0rd!x')
  expect(errors).toHaveLength(1)
  expect(errors[0]).toMatchObject({ code: 'internal_error', path: '/signin' })
  // The validation error describes the rejected answer: none of it may reach the log.
  expect(JSON.stringify(errors)).not.toContain('token-value')
})
