// Debian's Chromium for the browser tests, driven by playwright-core, and where their screenshots go.
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { requireExecutable } from './requirements.ts'

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = resolve(import.meta.dir, '../../test-artifacts')
// Without the background-networking flags Chromium dials Google at start; this machine's closed
// network refuses those connections, and they are not the page's requests anyway.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
]

/**
 * Headless Chromium. Throws (so the test fails, naming the package to install) when it is missing.
 * @param purpose what needs it, for that message.
 */
export function launchChromium(purpose: string): Promise<Browser> {
  requireExecutable(CHROMIUM, 'chromium', purpose)
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
}

/** A full-page screenshot of `page` as test-artifacts/<name>.png, for a person to look at. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: resolve(ARTIFACTS, `${name}.png`), fullPage: true })
}
