// Loaded before every test file. Once the whole run is over: audit every line every service printed
// for every credential the run handled, then stop the shared processes.
import { afterAll } from 'bun:test'
import { credentialsSeen, expectNoSecrets } from './http.ts'
import { allServiceLines, clientSecretsUsed, stopAllServices } from './service.ts'
import { stopTestCognito } from './cognito.ts'
import { PASSWORD } from './util.ts'

afterAll(async () => {
  await stopAllServices()
  await stopTestCognito()
  if (allServiceLines.length > 0) expectNoSecrets(allServiceLines, [PASSWORD, ...clientSecretsUsed, ...credentialsSeen])
})
