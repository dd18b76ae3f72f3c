import { expect, test } from 'bun:test'
import { createStartPacing } from '../../src/cognito/start-pacing.ts'

const recordingSleep = () => {
  const waits: number[] = []
  return { waits, sleep: async (ms: number) => void waits.push(ms) }
}

test('a decoy is held until the median real start of its method has passed', async () => {
  const { waits, sleep } = recordingSleep()
  const pacing = createStartPacing(sleep)
  for (const ms of [300, 100, 200]) pacing.real('EMAIL_OTP', ms)
  await pacing.holdDecoy('EMAIL_OTP', performance.now())
  expect(waits).toHaveLength(1)
  expect(waits[0]!).toBeGreaterThan(190)
  expect(waits[0]!).toBeLessThanOrEqual(200)
})

test('no hold before any real start of that method, nor for a decoy already slower', async () => {
  const { waits, sleep } = recordingSleep()
  const pacing = createStartPacing(sleep)
  pacing.real('EMAIL_OTP', 50)
  await pacing.holdDecoy('WEB_AUTHN', performance.now())
  await pacing.holdDecoy('EMAIL_OTP', performance.now() - 80)
  expect(waits).toEqual([])
})

test('the median follows the recent starts only', async () => {
  const { waits, sleep } = recordingSleep()
  const pacing = createStartPacing(sleep)
  for (let i = 0; i < 64; i++) pacing.real('EMAIL_OTP', 1000)
  for (let i = 0; i < 64; i++) pacing.real('EMAIL_OTP', 10)
  await pacing.holdDecoy('EMAIL_OTP', performance.now())
  expect(waits[0]!).toBeLessThanOrEqual(10)
})
