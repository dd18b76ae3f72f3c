// The ALB's liveness check. It never calls Cognito: an identity-provider outage must not get every
// task killed and replaced.
import { Elysia } from 'elysia'

// A string, not a Response: Elysia answers it with one Response built from the context's headers,
// where a returned Response is copied into a second one with the headers merged in (a large share of
// the route's CPU in process, docs/performance.md).
export const healthRoutes = () =>
  new Elysia({ tags: ['Operations'] }).get(
    '/health',
    ({ set }) => {
      set.headers['content-type'] = 'text/plain; charset=utf-8'
      return 'OK'
    },
    {
      detail: {
        summary: 'Liveness check',
        description: 'Answers 200 text/plain `OK` without calling Cognito: the ALB health check.',
        responses: {
          200: { description: 'Alive.', content: { 'text/plain': { schema: { type: 'string', enum: ['OK'] } } } },
        },
      },
    },
  )
