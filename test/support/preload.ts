// Loaded before every test file. Once the whole run is over: audit every line every service printed
// for every credential the run handled, and every auth-event line for an email or an undocumented
// field, then stop the shared processes.
import { afterAll, expect } from 'bun:test'
import { credentialsSeen, expectNoSecrets } from './http.ts'
import { allServiceLines, clientSecretsUsed, stopAllServices } from './service.ts'
import { stopTestCognito } from './cognito.ts'
import { PASSWORD } from './util.ts'

afterAll(async () => {
  await stopAllServices()
  await stopTestCognito()
  if (allServiceLines.length > 0) expectNoSecrets(allServiceLines, [PASSWORD, ...clientSecretsUsed, ...credentialsSeen])
  expectAuthEventsClean(allServiceLines)
})

// Auth events name people by sub and keyed email hash only: no field may hold an address, and
// only the documented fields appear (a new one is a decision: docs/operations.md, "Auth events", and here).
const AUTH_EVENT_FIELDS = new Set(
  'time level msg event outcome route reason group keyKind challenge sub passwordBreached emailHash reqId traceId ip'.split(
    ' ',
  ),
)
function expectAuthEventsClean(lines: string[]) {
  const events = lines.filter((l) => l.includes('"msg":"auth event"')).map((l) => JSON.parse(l) as object)
  expect(events.filter((e) => JSON.stringify(e).includes('@'))).toEqual([])
  expect(events.flatMap(Object.keys).filter((k) => !AUTH_EVENT_FIELDS.has(k))).toEqual([])
}
