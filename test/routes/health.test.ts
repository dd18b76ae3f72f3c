// GET /health (src/routes/health.ts), in process around the stub gateway (test/support/stub-gateway.ts).
import { describe, expect, test } from 'bun:test'
import { expectApiHeaders, expectProblem } from '../support/http.ts'
import { inProcessApp } from '../support/in-process-app.ts'

describe('GET /health', () => {
  test('200 text/plain OK with the security headers, and no call to the gateway', async () => {
    const { call, stub } = inProcessApp()
    const res = await call('GET', '/health')
    expect({ status: res.status, text: res.text }).toEqual({ status: 200, text: 'OK' })
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expectApiHeaders(res)
    expect(stub.calls).toEqual([])
  })

  test('a valid X-Request-Id comes back and is the id of the access-log line; an unsafe one is replaced', async () => {
    const { call, logLines } = inProcessApp()
    expectApiHeaders(await call('GET', '/health', { headers: { 'x-request-id': 'lb-trace.42' } }), 'lb-trace.42')
    expect(JSON.parse(logLines.at(-1)!)).toMatchObject({
      msg: 'request',
      reqId: 'lb-trace.42',
      method: 'GET',
      path: '/health',
      status: 200,
    })
    const replaced = await call('GET', '/health', { headers: { 'x-request-id': 'has space' } })
    expectApiHeaders(replaced)
    expect(JSON.parse(logLines.at(-1)!).reqId).toBe(replaced.headers.get('x-request-id'))
  })

  test('a method the route lacks is 405 with Allow: GET, an unknown path 404: both problems with the headers', async () => {
    const { call } = inProcessApp()
    const post = await call('POST', '/health')
    expectProblem(post, 405, 'method_not_allowed')
    expect(post.headers.get('allow')).toBe('GET')
    expectApiHeaders(post)
    const missing = await call('GET', '/healthz')
    expectProblem(missing, 404, 'not_found')
    expectApiHeaders(missing)
  })

  test('the query string is not part of the path: /health?x=1 is still the health check', async () => {
    const { call, logLines } = inProcessApp()
    expect((await call('GET', '/health?probe=alb')).status).toBe(200)
    expect(JSON.parse(logLines.at(-1)!).path).toBe('/health')
  })

  // A new app answers its first GET /health before registering the other routes (src/app.ts): that
  // answer and its log line must be the ones the whole API gives.
  test('the first /health, answered before the rest of the API is built, is the same as a later one', async () => {
    const { call, logLines } = inProcessApp()
    const first = await call('GET', '/health', { headers: { 'x-request-id': 'first' } })
    const firstLine = JSON.parse(logLines.at(-1)!)
    expect((await call('POST', '/signin', { json: {} })).status).toBe(400)
    const later = await call('GET', '/health', { headers: { 'x-request-id': 'first' } })
    const laterLine = JSON.parse(logLines.at(-1)!)
    expect({ status: first.status, text: first.text, headers: [...first.headers] }).toEqual({
      status: later.status,
      text: later.text,
      headers: [...later.headers],
    })
    const { time: _t1, durationMs: _d1, ...firstFields } = firstLine
    const { time: _t2, durationMs: _d2, ...laterFields } = laterLine
    expect(firstFields).toEqual(laterFields)
  })

  // A task that cannot build its API must not look healthy: the load balancer would keep sending
  // it clients that all get a 500.
  test('once building the API has failed, /health fails too, and the failure is logged', async () => {
    const { call, logLines } = inProcessApp({}, { loadRouteGroups: () => Promise.reject(new Error('broken build')) })
    expect((await call('GET', '/health')).status).toBe(200)
    await Bun.sleep(5)
    expect(
      logLines.some((line) => JSON.parse(line).msg === 'building the routes failed; the next request tries again'),
    ).toBe(true)
    expectProblem(await call('GET', '/health'), 500, 'internal_error')
    expectProblem(await call('POST', '/signin', { json: {} }), 500, 'internal_error')
  })
})
