// Swagger UI in a real browser (Debian's chromium, driven by playwright-core), served by the compiled
// binary (the UI's files are embedded in it): the page lists every route, never reaches beyond the
// service's origin, and "Try it out" signs a user up for real through cognito-local.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { ensureBinary } from '../support/binary.ts'
import { testCognito } from '../support/cognito.ts'
import { requireExecutable } from '../support/requirements.ts'
import { ROUTES } from '../support/routes.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'

const ARTIFACTS = resolve(import.meta.dir, '../../test-artifacts')
const CHROMIUM = '/usr/bin/chromium'
// Without the background-networking flags Chromium dials Google at start; this machine's closed
// network refuses those connections, and they are not the page's requests anyway.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
]

let service: RunningService
let browser: Browser

beforeAll(async () => {
  requireExecutable(CHROMIUM, 'chromium', 'Swagger UI in a real browser')
  const cognito = await testCognito()
  service = await startService(cognito.serviceEnv(), { command: [await ensureBinary()] })
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
  // A clean checkout compiles the binary first.
}, 240_000)
afterAll(async () => {
  await browser?.close()
  await service?.stop()
})

test('every route listed, every request same-origin, Try it out on /signup answers 201', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 2000 } })
  const requested: string[] = []
  const problems: string[] = []
  page.on('request', (r) => requested.push(r.url()))
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`))
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`)
  })

  await page.goto(`${service.url}/swagger`)
  await page.locator('.opblock').first().waitFor()
  const listed = await page
    .locator('.opblock-summary')
    .evaluateAll((blocks) =>
      blocks.map(
        (b) =>
          `${b.querySelector('.opblock-summary-method')?.textContent?.trim()} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
      ),
    )
  expect(listed.sort()).toEqual([...ROUTES].sort())

  const signup = page.locator('.opblock-post', { has: page.locator('.opblock-summary-path[data-path="/signup"]') })
  await signup.locator('.opblock-summary').click()
  await signup.getByRole('button', { name: 'Try it out' }).click()
  const email = uniqueEmail('swagger-ui')
  await signup
    .locator('textarea.body-param__text')
    .fill(JSON.stringify({ email, password: PASSWORD, nickname: 'KIMMUSIC' }))
  await signup.getByRole('button', { name: 'Execute' }).click()
  const live = signup.locator('.live-responses-table .response')
  await live.first().waitFor()
  expect((await live.first().locator('.response-col_status').textContent())?.trim()).toBe('201')
  expect(await live.first().locator('.response-col_description').textContent()).toContain(
    'User signed up successfully!',
  )

  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: resolve(ARTIFACTS, 'swagger-ui.png'), fullPage: true })

  const origin = new URL(service.url).origin
  expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([])
  expect(requested).toContain(`${origin}/signup`)
  expect(requested).toContain(`${origin}/swagger/json`)
  expect(problems).toEqual([])
})
