import { expect, test } from 'bun:test'
import { ksCritical, ksStatistic, quantile } from '../../bench/passwordless-timing.ts'

test('the KS statistic is the largest gap between the two empirical CDFs', () => {
  expect(ksStatistic([1, 2, 3, 4], [4, 3, 2, 1])).toBe(0)
  expect(ksStatistic([1, 2, 3], [4, 5, 6])).toBe(1)
  // At 2, half of a is at or below and none of b; at 4, the other way round.
  expect(ksStatistic([1, 2, 5, 6], [3, 4])).toBe(0.5)
  // One figure against a spread with the same median: told apart although the medians match.
  const spread = Array.from({ length: 100 }, (_, i) => 10 + i)
  const peak = Array.from({ length: 100 }, () => 59.5)
  expect(ksStatistic(peak, spread)).toBeGreaterThan(ksCritical(100, 100))
})

test('the 5% critical value shrinks with the square root of the samples', () => {
  expect(ksCritical(200, 200)).toBeCloseTo(0.1358, 4)
  expect(ksCritical(800, 800)).toBeCloseTo(0.0679, 4)
})

test('a quantile is the nearest-rank value', () => {
  const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]
  expect(quantile(values, 0.9)).toBe(9)
  expect(quantile(values, 0.5)).toBe(5)
  expect(quantile(values, 1)).toBe(10)
})
