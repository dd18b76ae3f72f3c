// Checks on running service instances (test/support/service.ts) that several files share: their
// metrics, and what no instance may ever have answered or logged.
import { expect } from 'bun:test'
import type { JsonResponse } from './http.ts'
import type { RunningService } from './service.ts'

/** `res`, once it is known not to be a 5xx. */
export function expectNot5xx(res: JsonResponse): JsonResponse {
  expect(res.status).toBeLessThan(500)
  return res
}

/** The service's metrics text (it must run with METRICS_PORT). */
export async function metricsOf(service: RunningService): Promise<string> {
  const port = service.logs().find((line) => line.msg === 'listening')?.metricsPort
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
}

/** Polls the service's metrics until one line is exactly `line`; throws after `timeoutMs`. */
export async function waitForMetric(service: RunningService, line: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await metricsOf(service)).split('\n').includes(line)) {
    if (Date.now() > deadline) throw new Error(`no metric line "${line}" after ${timeoutMs} ms`)
    await Bun.sleep(50)
  }
}

/** No instance answered a 5xx (its access-log lines) or logged any of `secrets`. */
export function expectNo5xxNorSecrets(services: RunningService[], secrets: string[]): void {
  for (const service of services) {
    const statuses = service.logs().flatMap((line) => (typeof line.status === 'number' ? [line.status] : []))
    expect(statuses.filter((status) => status >= 500)).toEqual([])
    const text = service.lines.join('\n')
    for (const secret of secrets) expect(text).not.toContain(secret)
  }
}
