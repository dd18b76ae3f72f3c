// The example page of passwordless sign-in (dev/example, served by `npm start` only) in Debian's
// Chromium with a virtual passkey authenticator (the DevTools protocol's WebAuthn domain), driven by
// playwright-core: sign up, confirm, sign in with an emailed code, add a passkey, sign out, sign in
// with the passkey, against the service and the local Cognito; the passkey offered as soon as the email
// is entered, a second registration of the same authenticator refused, a removed passkey dropped by
// the authenticator through the WebAuthn Signal API, and, where passkeys count as a second factor,
// a removal the page completes with the password and an app code. Screenshots go to test-artifacts/.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { generateSync } from 'otplib'
import type { Browser } from 'playwright-core'
import { launchChromium, saveScreenshot } from '../support/browser.ts'
import { startExamplePage, type ExamplePage } from '../../dev/example/server.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { startService, type RunningService } from '../support/service.ts'
import { createPoolWithMfa, emulatorClient, poolServiceEnv, totpCode } from '../support/emulator-calls.ts'
import { bearer, post, request } from '../support/http.ts'
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

/** A page with a virtual passkey authenticator; its DevTools session and authenticator id, and the page's errors. */
async function pageWithAuthenticator() {
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`)
  })
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
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
  /** The passkeys the virtual authenticator holds. */
  const held = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials
  /** On the page at `url`: signs the confirmed account `email` in with an emailed code, then adds a passkey. */
  const signInAndAddPasskey = async (url: string, email: string) => {
    await page.goto(url)
    await page.fill('#email', email)
    await page.click('#send-code')
    await says('#status', 'Code sent to')
    await page.fill('#otp', await cognito.codeFor(email, 2))
    await page.click('#signin-code')
    await says('#who', `Signed in as ${email}.`)
    await page.click('#add-passkey')
    await says('#status', 'Passkey added')
  }
  return { page, problems, says, held, signInAndAddPasskey }
}

test('sign up, email code, add a passkey, sign out, sign in with the passkey', async () => {
  const { page, problems, says } = await pageWithAuthenticator()
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

test('the passkey offered once the email is entered; a duplicate refused; a removed passkey signalled away', async () => {
  const { page, problems, says, held, signInAndAddPasskey } = await pageWithAuthenticator()
  const email = uniqueEmail('native-passkey')
  expect((await post(service.url, '/signup', { email, password: PASSWORD, nickname: 'N' })).status).toBe(201)
  await cognito.confirm(email)
  await signInAndAddPasskey(example.url, email)

  // The options exclude the passkey this authenticator holds: the browser refuses a second one.
  await page.click('#add-passkey')
  await says('#status', 'This device already has a passkey for this account.')
  expect(await page.locator('#passkeys li').count()).toBe(1)
  expect(await held()).toHaveLength(1)
  await saveScreenshot(page, 'passkey-duplicate-refused')

  await page.click('#signout')
  await says('#status', 'Signed out')
  await page.reload()
  expect(await page.isVisible('#passkey-offer')).toBe(false)
  await page.fill('#email', email)
  await page.press('#email', 'Tab')
  await page.locator('#passkey-offer').waitFor({ state: 'visible', timeout: 15_000 })
  await saveScreenshot(page, 'passkey-offered-after-email')
  await page.click('#passkey-offer')
  await says('#status', 'Signed in with the passkey')

  // Removed through the API: the page's signal makes the authenticator drop it too.
  await page.click('#passkeys li button')
  await says('#status', 'Removed')
  expect(await page.locator('#passkeys li').count()).toBe(0)
  for (let tries = 0; (await held()).length > 0 && tries < 50; tries++) await Bun.sleep(100)
  expect(await held()).toEqual([])
  await saveScreenshot(page, 'passkey-removed-and-signalled')
  expect(problems).toEqual([])
})

test('where passkeys count as MFA, Remove asks for the password and an app code, then removes', async () => {
  const pool = await createPoolWithMfa(cognito, 'OPTIONAL', true, 'MULTI_FACTOR_WITH_USER_VERIFICATION')
  const multi = await startService(cognito.serviceEnv(poolServiceEnv(cognito, pool)))
  const multiPage = startExamplePage({ port: 0, apiUrl: multi.url })
  try {
    const { page, problems, says, held, signInAndAddPasskey } = await pageWithAuthenticator()
    const { email } = await emulatorClient(cognito, pool).confirmedUser('page-pkmfa')
    await signInAndAddPasskey(multiPage.url, email)

    // Elsewhere (the API, signed in with the password): the app on, then passkeys as a second factor.
    const signedIn = await post(multi.url, '/signin', { email, password: PASSWORD })
    const auth = bearer(signedIn.body.accessToken)
    const { secretCode } = (await post(multi.url, '/me/mfa/totp', {}, auth)).body
    expect((await post(multi.url, '/me/mfa/totp/verify', { code: totpCode(secretCode) }, auth)).status).toBe(204)
    const turnedOn = await request(multi.url, 'PUT', '/me/passkeys/mfa', { headers: auth, json: { enabled: true } })
    expect(turnedOn.status).toBe(204)

    // The content type of each removal the page sends: none without a body, JSON with the proof.
    const removals: Array<string | undefined> = []
    page.on('request', (r) => {
      if (r.method() === 'DELETE') removals.push(r.headers()['content-type'])
    })
    await page.click('#passkeys li button')
    await says('#status', 'factor_proof_required')
    await page.locator('#factor-proof').waitFor({ state: 'visible' })
    expect(await page.locator('#passkeys li').count()).toBe(1)
    await page.fill('#proof-password', PASSWORD)
    // The next 30-second step's code: accepted now too, and not the one that turned the app on.
    await page.fill('#proof-code', generateSync({ secret: secretCode, epoch: Math.floor(Date.now() / 1000) + 30 }))
    await saveScreenshot(page, 'passkey-removal-asks-other-factor')
    await page.click('#proof-confirm')
    await says('#status', 'Removed')
    expect(await page.isVisible('#factor-proof')).toBe(false)
    expect(removals).toEqual([undefined, 'application/json'])
    expect(await page.locator('#passkeys li').count()).toBe(0)
    for (let tries = 0; (await held()).length > 0 && tries < 50; tries++) await Bun.sleep(100)
    expect(await held()).toEqual([])
    // The browser logs a failed request as a console error: the 403 that asked for the other factor.
    expect(problems.filter((p) => !p.includes('403'))).toEqual([])
  } finally {
    multiPage.stop()
    await multi.stop()
  }
})
