// Loaded before every test file: stop the shared processes once the whole run is over.
import { afterAll } from 'bun:test'
import { stopAllServices } from './service.ts'
import { stopTestCognito } from './cognito.ts'

afterAll(async () => {
  await stopAllServices()
  await stopTestCognito()
})
