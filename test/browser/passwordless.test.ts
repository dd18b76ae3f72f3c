// The example page of passwordless sign-in (dev/example, served by `npm start` only) in Debian's
// Chromium with a virtual passkey authenticator (the DevTools protocol's WebAuthn domain), driven by
// playwright-core: sign up, confirm, sign in with an emailed code, add a passkey, sign out, sign in
// with the passkey, against the service and the local Cognito. A screenshot goes to test-artifacts/.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Browser } from 'playwright-core'
import { launchChromium, saveScreenshot } from '../support/browser.ts'
import { startExamplePage, type ExamplePage } from '../../dev/example/server.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'

let cognito: TestCognito
let service: RunningService
let example: ExamplePage
let browser: Browser

beforeAll(async () => {
  cognito = await testCognito()
  service = await startService(cognito.serviceEnv())
  example = startExamplePage({ port: 0, apiUrl: service.url })
  browser = await launchChromium('the passwordless example page in a real browser')
}, 120_000)
afterAll(async () => {
  await browser?.close()
  example?.stop()
  await service?.stop()
})

test('sign up, email code, add a passkey, sign out, sign in with the passkey', async () => {
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`)
  })
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  })
  /** Waits until the element's text contains `text`; fails with what it says instead. */
  const says = async (selector: string, text: string) => {
    try {
      await page.locator(selector).filter({ hasText: text }).waitFor({ timeout: 15_000 })
    } catch {
      throw new Error(`${selector} says "${await page.textContent(selector)}", not "${text}"`)
    }
  }
  const email = uniqueEmail('example-page')
  await page.goto(example.url)

  await page.fill('#email', email)
  await page.fill('#password', PASSWORD)
  await page.fill('#nickname', 'KIMMUSIC')
  await page.click('#signup')
  await says('#status', 'Signed up')
  await page.fill('#code', await cognito.codeFor(email))
  await page.click('#confirm')
  await says('#status', 'Confirmed')

  await page.click('#send-code')
  await says('#status', 'Code sent to')
  await page.fill('#otp', await cognito.codeFor(email, 2))
  await page.click('#signin-code')
  await says('#status', 'Signed in with the emailed code')
  await says('#who', `Signed in as ${email}.`)

  await page.click('#add-passkey')
  await says('#status', 'Passkey added')
  expect(await page.locator('#passkeys li').count()).toBe(1)
  await page.click('#signout')
  await says('#status', 'Signed out')

  await page.click('#signin-passkey')
  await says('#status', 'Signed in with the passkey')
  await says('#who', `Signed in as ${email}.`)

  await saveScreenshot(page, 'passwordless-example')
  expect(problems).toEqual([])
})
