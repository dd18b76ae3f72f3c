// The ALB's liveness check. It never calls Cognito: an identity-provider outage must not get every
// task killed and replaced.
import { Elysia } from 'elysia'

const OK_HEADERS = { 'content-type': 'text/plain; charset=utf-8' }

export const healthRoutes = () =>
  new Elysia({ tags: ['Operations'] }).get('/health', () => new Response('OK', { headers: OK_HEADERS }), {
    detail: {
      summary: 'Liveness check',
      description: 'Answers 200 text/plain `OK` without calling Cognito: the ALB health check.',
      responses: { 200: { description: 'Alive.', content: { 'text/plain': { schema: { type: 'string', enum: ['OK'] } } } } },
    },
  })
