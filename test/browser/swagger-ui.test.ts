// Swagger UI in a real browser (Debian's chromium, driven by playwright-core), served by the compiled
// binary (the UI's files are embedded in it): the page lists every route, never reaches beyond the
// service's origin, and "Try it out" signs a user up for real through cognito-local.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Browser } from 'playwright-core'
import { launchChromium, saveScreenshot } from '../support/browser.ts'
import { ensureBinary } from '../support/binary.ts'
import { testCognito } from '../support/cognito.ts'
import { ROUTES } from '../support/routes.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'

let service: RunningService
let browser: Browser

beforeAll(async () => {
  const cognito = await testCognito()
  service = await startService(cognito.serviceEnv(), { command: [await ensureBinary()] })
  browser = await launchChromium('Swagger UI in a real browser')
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

  await saveScreenshot(page, 'swagger-ui')

  const origin = new URL(service.url).origin
  expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([])
  expect(requested).toContain(`${origin}/signup`)
  expect(requested).toContain(`${origin}/swagger/json`)
  expect(problems).toEqual([])
})
