// Reading Prometheus text format (0.0.4) in tests: every sample as name, labels and value.

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g

/** Every sample of an exposition (comments skipped). */
export function parseSamples(text: string): Sample[] {
  return text.split('\n').flatMap((line) => {
    const match = SAMPLE.exec(line)
    if (!match || line.startsWith('#')) return []
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(LABEL)].map((m) => [m[1]!, m[2]!]))
    return [{ name: match[1]!, labels, value: Number(match[3]) }]
  })
}

/** The sum of the samples of `name` whose labels include `labels` (0 when there are none). */
export function sampleSum(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0)
}

/** The samples of `name`, each as its labels, for asserting a whole series set exactly. */
export const seriesOf = (samples: Sample[], name: string): Array<Record<string, string | number>> =>
  samples.filter((s) => s.name === name).map((s) => ({ ...s.labels, value: s.value }))
