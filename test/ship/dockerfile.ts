// Reads the Dockerfile's runtime stage (the last one), so the image test runs exactly the command,
// user and health check the image declares.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

export interface RuntimeStage {
  /** Global ARGs (before the first FROM), with their defaults. */
  args: Record<string, string>
  from: string
  user: string | undefined
  expose: string[]
  /** Exec-form arrays; undefined when the instruction is missing or in shell form. */
  entrypoint: string[] | undefined
  healthcheck: string[] | undefined
}

export const DOCKERFILE = resolve(import.meta.dir, '../../Dockerfile')

/** Instructions as [KEYWORD, rest], continuation lines joined, comments dropped. */
function instructions(text: string): Array<[string, string]> {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/)
      return [keyword.toUpperCase(), rest.join(' ')]
    })
}

const execForm = (value: string | undefined): string[] | undefined => {
  if (value === undefined || !value.startsWith('[')) return undefined
  return JSON.parse(value) as string[]
}

export function readRuntimeStage(path = DOCKERFILE): RuntimeStage {
  const all = instructions(readFileSync(path, 'utf8'))
  const firstFrom = all.findIndex(([k]) => k === 'FROM')
  const lastFrom = all.findLastIndex(([k]) => k === 'FROM')
  const args = Object.fromEntries(
    all.slice(0, firstFrom).flatMap(([k, v]) => (k === 'ARG' ? [v.split('=') as [string, string]] : [])),
  )
  const stage = all.slice(lastFrom)
  const last = (keyword: string) => stage.findLast(([k]) => k === keyword)?.[1]
  const healthcheck = last('HEALTHCHECK')
  return {
    args,
    from: stage[0]![1],
    user: last('USER'),
    expose: stage.filter(([k]) => k === 'EXPOSE').flatMap(([, v]) => v.split(/\s+/)),
    entrypoint: execForm(last('ENTRYPOINT')),
    healthcheck: execForm(healthcheck?.slice(healthcheck.indexOf('CMD') + 3).trim()),
  }
}
