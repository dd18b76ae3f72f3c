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
  /** COPY --from=<stage> <source> <destination>, as [stage, source, destination]. */
  copiesFrom: Array<[string, string, string]>
}

export const DOCKERFILE = resolve(import.meta.dir, '../../Dockerfile')

/** Instructions as [KEYWORD, rest], continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
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
      return [keyword.toUpperCase(), rest.join(' ')] as Instruction
    })
}

const execForm = (value: string | undefined): string[] | undefined => {
  if (value === undefined || !value.startsWith('[')) return undefined
  return JSON.parse(value) as string[]
}

export type Instruction = [keyword: string, rest: string]

/** The instructions of the stage named `name` (`FROM … AS name`), its FROM first. */
export function readStage(name: string, path = DOCKERFILE): Instruction[] {
  const all = instructions(readFileSync(path, 'utf8'))
  const start = all.findIndex(([k, v]) => k === 'FROM' && new RegExp(`\\sAS\\s+${name}$`, 'i').test(v))
  if (start === -1) throw new Error(`${path} has no stage ${name}`)
  const end = all.findIndex(([k], i) => i > start && k === 'FROM')
  return all.slice(start, end === -1 ? undefined : end)
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
    copiesFrom: stage.flatMap(([k, v]) => {
      const match = k === 'COPY' ? /^--from=(\S+)\s+(\S+)\s+(\S+)$/.exec(v) : null
      return match ? [[match[1]!, match[2]!, match[3]!] as [string, string, string]] : []
    }),
  }
}
