import { expect, test } from 'bun:test'
import { createStartPacing, type PacingClock } from '../../src/cognito/start-pacing.ts'

// A clock that moves only when the pacing waits: a timer fires 0.1 ms after its whole milliseconds
// (as Bun's and Node's do). `draws` are the ranks' draws; `chances` the roundings' (by default a
// fraction is waited when it is half a millisecond or more).
const fakeClock = (draws: number[] = [], chances: number[] = []) => {
  let t = 1000
  const sleeps: number[] = []
  const clock: PacingClock = {
    now: () => t,
    random: () => draws.shift() ?? 0,
    chance: (p) => (chances.shift() ?? 0.5) < p,
    sleep: async (ms) => {
      sleeps.push(ms)
      t += ms + 0.1
    },
  }
  return { clock, sleeps, now: () => t }
}

/** How long a decoy started `elapsed` ms ago is held, in ms. */
const heldFor = async (pacing: ReturnType<typeof createStartPacing>, now: () => number, elapsed: number) => {
  const before = now()
  await pacing.holdDecoy('EMAIL_OTP', before - elapsed)
  return now() - before
}

test('decoys held at random ranks take the real starts’ durations, spread included, not one figure', async () => {
  const reals = [40, 10, 30, 20]
  // The ranks a decoy's draw lands on, one per quarter: each real duration once.
  const { clock, now } = fakeClock([0.1, 0.35, 0.6, 0.85])
  const pacing = createStartPacing(clock)
  for (const ms of reals) pacing.real('EMAIL_OTP', ms)
  const took: number[] = []
  for (let i = 0; i < reals.length; i++) took.push(Math.round(await heldFor(pacing, now, 0)))
  expect(took).toEqual([10, 20, 30, 40])
})

test('a decoy is held to the real duration at its own rank among the recent decoys', async () => {
  const { clock, now } = fakeClock()
  const pacing = createStartPacing(clock)
  for (let ms = 100; ms <= 400; ms += 100) pacing.real('EMAIL_OTP', ms)
  // Three earlier decoys took 1, 2 and 3 ms before their hold (each then held, to 100 ms).
  for (const elapsed of [1, 2, 3]) await heldFor(pacing, now, elapsed)
  // Past two of the three: the real start at that rank (2 of 4 ranks below it); past all four
  // earlier decoys: the slowest real start; past none: the fastest.
  expect(2.5 + (await heldFor(pacing, now, 2.5))).toBeCloseTo(300, 0)
  expect(9 + (await heldFor(pacing, now, 9))).toBeCloseTo(400, 0)
  expect(0.5 + (await heldFor(pacing, now, 0.5))).toBeCloseTo(100, 0)
})

test('a decoy that took about as long as real starts do is held hardly at all', async () => {
  // The last decoy's draw is the highest: drawn on its own, it would be held to the slowest real start.
  const { clock, now } = fakeClock([...Array(64).fill(0), 0.99])
  const pacing = createStartPacing(clock)
  for (let i = 1; i <= 64; i++) {
    pacing.real('EMAIL_OTP', i)
    await heldFor(pacing, now, i)
  }
  // Its work took 32.2 ms, more than half the decoys': held to the real start of that rank, 33 ms.
  expect(await heldFor(pacing, now, 32.2)).toBeLessThan(1.2)
})

test('no hold before any real start of that method, nor for a decoy already slower', async () => {
  const { clock, now, sleeps } = fakeClock([0.99])
  const pacing = createStartPacing(clock)
  expect(await heldFor(pacing, now, 0)).toBe(0)
  pacing.real('EMAIL_OTP', 50)
  await pacing.holdDecoy('WEB_AUTHN', now())
  expect(await heldFor(pacing, now, 80)).toBe(0)
  expect(sleeps).toEqual([])
})

test('the draw is made from the recent real starts only', async () => {
  const { clock, now } = fakeClock([0.99])
  const pacing = createStartPacing(clock)
  for (let i = 0; i < 64; i++) pacing.real('EMAIL_OTP', 1000)
  for (let i = 0; i < 64; i++) pacing.real('EMAIL_OTP', 10)
  expect(await heldFor(pacing, now, 0)).toBeLessThan(11)
})

test('a hold is one timer, its fraction rounded up with that fraction’s chance: right on average', async () => {
  // The first draw ranks the decoy; the second rounds the timer. 5.65 ms, less the timer's 0.1 ms
  // lateness, is 5 whole milliseconds and 0.55 of one: rounded up for a draw under 0.55.
  for (const [draw, timer] of [
    [0.3, 6],
    [0.9, 5],
  ] as const) {
    const { clock, now, sleeps } = fakeClock([0], [draw])
    const pacing = createStartPacing(clock)
    pacing.real('EMAIL_OTP', 5.65)
    const took = await heldFor(pacing, now, 0)
    expect(sleeps).toEqual([timer])
    expect(took).toBeCloseTo(timer + 0.1, 5)
  }
  // Over evenly spread draws the holds average the real duration.
  const draws = Array.from({ length: 100 }, (_, i) => (i + 0.5) / 100)
  const { clock, now } = fakeClock([], draws)
  const pacing = createStartPacing(clock)
  pacing.real('EMAIL_OTP', 5.65)
  let total = 0
  for (let i = 0; i < 100; i++) {
    const before = now()
    await pacing.holdDecoy('EMAIL_OTP', before)
    total += now() - before
  }
  expect(total / 100).toBeCloseTo(5.65, 1)
})

test('a hold shorter than a timer can wait is a one-millisecond timer or none, by the same chance', async () => {
  for (const [draw, expected] of [
    [0.2, [1]],
    [0.8, []],
  ] as const) {
    const { clock, now, sleeps } = fakeClock([0], [draw])
    const pacing = createStartPacing(clock)
    pacing.real('EMAIL_OTP', 0.6)
    await heldFor(pacing, now, 0)
    expect(sleeps).toEqual([...expected])
  }
})

test('a rank that rounds to 1 holds to the slowest real start, never to none', async () => {
  // 63 earlier decoys all faster than this one, and a draw so close to 1 that (63 + draw) / 64 is 1.
  const { clock, now } = fakeClock([...Array(63).fill(0), 1 - 2 ** -50])
  const pacing = createStartPacing(clock)
  for (let i = 1; i <= 64; i++) pacing.real('EMAIL_OTP', 100 + i)
  for (let i = 0; i < 63; i++) await pacing.holdDecoy('EMAIL_OTP', now() - 1)
  const held = await heldFor(pacing, now, 50)
  expect(50 + held).toBeGreaterThan(163)
})
