// `user-service doctor` (`npm run doctor`): checks, before a deploy, that the user pool and app client
// the service is configured for fit what it needs, one line per need with what to change. Exit codes:
// 0 nothing must change, 1 something must (or the probe user could not be deleted), 2 the doctor could
// not run (bad arguments, bad configuration, the pool unreadable). With `--probe --probe-email <address>`
// it also runs the probe (probe.ts). Loaded only for this subcommand, never by the server's start.
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import { ConfigError, type Env, parseConfig } from '../config.ts'
import { checkPool, type Finding } from './checks.ts'
import { runProbe, type ProbeIo } from './probe.ts'
import { adminClient, describeError, readPool } from './read-pool.ts'

export interface DoctorIo extends ProbeIo {
  /** The admin client to read the pool with; by default one with the operator's AWS credentials. */
  admin?: CognitoIdentityProviderClient
}

export const USAGE = 'usage: user-service doctor [--probe --probe-email <an address you read>]'

interface DoctorArgs {
  probeEmail?: string
}

/** The doctor's arguments (after `doctor`), or the problem with them. */
export function parseDoctorArgs(args: readonly string[]): DoctorArgs | { error: string } {
  let probe = false
  let probeEmail: string | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--probe') probe = true
    else if (arg === '--probe-email') probeEmail = args[++i]
    else if (arg.startsWith('--probe-email=')) probeEmail = arg.slice('--probe-email='.length)
    else return { error: `unknown argument ${arg}` }
  }
  if (probe !== (probeEmail !== undefined)) return { error: '--probe and --probe-email go together' }
  if (probeEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(probeEmail))
    return { error: '--probe-email must be an email address you can read' }
  return probeEmail === undefined ? {} : { probeEmail }
}

const VERDICT_LABEL = { ok: 'ok    ', change: 'CHANGE', note: 'note  ' } as const

const findingLine = ({ verdict, subject, detail }: Finding) => `${VERDICT_LABEL[verdict]}  ${subject}: ${detail}`

/** Runs the doctor with `args` (those after `doctor`) and the service's environment; resolves to the exit code. */
export async function runDoctor(args: readonly string[], env: Env, io: DoctorIo): Promise<number> {
  const parsed = parseDoctorArgs(args)
  if ('error' in parsed) {
    io.say(`user-service doctor: ${parsed.error}\n${USAGE}`)
    return 2
  }
  let config: ReturnType<typeof parseConfig>
  try {
    config = parseConfig(env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    for (const problem of error.problems) io.say(`user-service doctor: ${problem}`)
    return 2
  }
  const { cognito } = config
  const admin = io.admin ?? adminClient(cognito)
  try {
    io.say(`user pool ${cognito.userPoolId}, app client ${cognito.clientId} (${cognito.region})`)
    let findings: Finding[]
    try {
      findings = checkPool(await readPool(admin, cognito), config)
    } catch (error) {
      io.say(`user-service doctor: cannot read the pool or the app client: ${describeError(error)}`)
      io.say('the AWS credentials need cognito-idp:DescribeUserPool, DescribeUserPoolClient, GetUserPoolMfaConfig')
      return 2
    }
    for (const finding of findings) io.say(findingLine(finding))
    const changes = findings.filter((f) => f.verdict === 'change').length
    let deleted = true
    if (parsed.probeEmail !== undefined) {
      const probe = await runProbe(admin, cognito, parsed.probeEmail, io)
      deleted = probe.deleted
    }
    io.say(changes === 0 ? 'nothing must change' : `${changes} setting(s) must change`)
    return changes === 0 && deleted ? 0 : 1
  } finally {
    if (!io.admin) admin.destroy()
  }
}

/** Lines to stdout; questions only when stdin is a terminal (otherwise the code steps are not settled). */
export function terminalIo(): DoctorIo {
  const say = (line: string) => void process.stdout.write(`${line}\n`)
  if (!process.stdin.isTTY) return { say }
  return {
    say,
    ask: async (question) => {
      const { createInterface } = await import('node:readline/promises')
      const prompt = createInterface({ input: process.stdin, output: process.stdout })
      try {
        return await prompt.question(question)
      } finally {
        prompt.close()
      }
    },
  }
}
