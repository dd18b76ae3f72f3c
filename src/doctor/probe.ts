// `doctor --probe`: runs, on the real pool, the flows whose rules the local Cognito had to guess, and
// prints what the pool answered beside what the local Cognito assumes (docs/testing.md lists which
// guess each step settles). It works on a throwaway user (AdminCreateUser, no invitation message),
// deleted at the end whatever happened. Steps that need an emailed code ask the operator to type it;
// without a terminal they are reported as not settled.
import { randomBytes, randomUUID } from 'node:crypto'
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider'
import { createSecretHasher } from '../cognito/secret-hash.ts'
import { challengeSummary, outcomeOf, type ProbeContext, type ProbeIo, type ProbeResult } from './probe-step.ts'
import { ownSession, revokeTokenErrors } from './probe-tokens.ts'
import { describeError } from './read-pool.ts'

export type { ProbeIo, ProbeResult } from './probe-step.ts'

const NO_TERMINAL = 'not settled: no terminal to type the emailed code'

/** A password any pool policy accepts: 32 characters with every class (PasswordPolicyType allows up to 99 minimum). */
const probePassword = () => `Dp1!${randomBytes(21).toString('base64url')}aZ9#`

const userAuth = async (context: ProbeContext, username: string, preferred: string) =>
  context.admin.send(
    new InitiateAuthCommand({
      ClientId: context.cognito.clientId,
      AuthFlow: 'USER_AUTH',
      AuthParameters: {
        USERNAME: username,
        PREFERRED_CHALLENGE: preferred,
        ...(context.hash ? { SECRET_HASH: await context.hash(username) } : {}),
      },
    }),
  )

/** An EMAIL_OTP answer naming `username`, with the SECRET_HASH over it. */
const answerCode = async (context: ProbeContext, session: string | undefined, username: string, code: string) =>
  context.admin.send(
    new RespondToAuthChallengeCommand({
      ClientId: context.cognito.clientId,
      ChallengeName: 'EMAIL_OTP',
      Session: session,
      ChallengeResponses: {
        USERNAME: username,
        EMAIL_OTP_CODE: code,
        ...(context.hash ? { SECRET_HASH: await context.hash(username) } : {}),
      },
    }),
  )

/** How a challenge's USERNAME parameter relates to the email the user typed. */
function nameGiven(named: string | undefined, email: string): string {
  if (named === undefined) return 'absent'
  if (named.toLowerCase() === email.toLowerCase()) return 'the email typed'
  return UUID.test(named) ? 'a UUID (the actual username)' : 'another name than the email'
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

async function askCode(context: ProbeContext, which: string): Promise<string | undefined> {
  if (!context.io.ask) return undefined
  return (await context.io.ask(`type the ${which} code emailed to ${context.email}: `)).trim()
}

async function usernameAndCode(context: ProbeContext): Promise<ProbeResult[]> {
  let started: InitiateAuthCommandOutput
  try {
    started = await userAuth(context, context.email, 'EMAIL_OTP')
  } catch (error) {
    const real = describeError(error)
    return [{ step: 'USER_AUTH username', real, local: 'EMAIL_OTP', settled: false }]
  }
  const named = started.ChallengeParameters?.USERNAME
  const results: ProbeResult[] = [
    {
      step: 'USER_AUTH username',
      real: `${challengeSummary(started)}; USERNAME ${nameGiven(named, context.email)}`,
      local: 'EMAIL_OTP without USERNAME (as in Amplify’s tests)',
      settled: true,
    },
  ]
  const code = await askCode(context, 'first')
  if (code === undefined) {
    results.push(
      { step: 'emailed code length', real: NO_TERMINAL, local: '8 digits', settled: false },
      {
        step: 'answer named by the email, hash over it',
        real: NO_TERMINAL,
        local: 'accepted: the alias or the actual username, SECRET_HASH over the name sent',
        settled: false,
      },
    )
    return results
  }
  results.push(
    {
      step: 'emailed code length',
      real: `${code.length} characters${/^\d+$/.test(code) ? ', digits' : ''}`,
      local: '8 digits',
      settled: true,
    },
    {
      // The way Amplify's USER_AUTH client answers: the name the user typed, and its hash.
      step: 'answer named by the email, hash over it',
      real: await outcomeOf(answerCode(context, started.Session, context.email, code)),
      local: 'accepted: the alias or the actual username, SECRET_HASH over the name sent',
      settled: true,
    },
  )
  return results
}

async function threeWrongCodes(context: ProbeContext): Promise<ProbeResult[]> {
  const step = 'three wrong codes, then the right one'
  const local = 'CodeMismatchException three times, then NotAuthorizedException (the session is spent)'
  let started: InitiateAuthCommandOutput
  try {
    started = await userAuth(context, context.email, 'EMAIL_OTP')
  } catch (error) {
    return [{ step, real: describeError(error), local, settled: false }]
  }
  // Named as the pool named the user, so that only the code is wrong (the username rule is the step above's).
  const username = started.ChallengeParameters?.USERNAME ?? context.email
  const answers: string[] = []
  for (let i = 0; i < 3; i++) answers.push(await outcomeOf(answerCode(context, started.Session, username, '00000000')))
  const code = await askCode(context, 'second')
  if (code === undefined)
    return [{ step, real: `${answers.join('; ')}; the right code: ${NO_TERMINAL}`, local, settled: false }]
  answers.push(`right code: ${await outcomeOf(answerCode(context, started.Session, username, code))}`)
  return [{ step, real: answers.join('; '), local, settled: true }]
}

async function unknownAndUnavailable(context: ProbeContext): Promise<ProbeResult[]> {
  const domain = context.email.slice(context.email.lastIndexOf('@') + 1)
  const unknown = `doctor-probe-${randomUUID()}@${domain}`
  return [
    {
      step: 'USER_AUTH for an unknown user',
      real: await outcomeOf(userAuth(context, unknown, 'EMAIL_OTP')),
      local:
        'EMAIL_OTP (ChallengeParameters: CODE_DELIVERY_DELIVERY_MEDIUM, CODE_DELIVERY_DESTINATION, USERNAME), no email sent',
      settled: true,
    },
    {
      step: 'preferred challenge not available (WEB_AUTHN, no passkey)',
      real: await outcomeOf(userAuth(context, context.email, 'WEB_AUTHN')),
      local: 'SELECT_CHALLENGE (AvailableChallenges PASSWORD EMAIL_OTP)',
      settled: true,
    },
  ]
}

/** A result as three lines: the step, the real pool's answer, the local Cognito's assumption. */
export function probeLines({ step, real, local, settled }: ProbeResult): string[] {
  return [
    `probe   ${step}${settled ? '' : ' (not settled)'}`,
    `          real pool:     ${real}`,
    `          local Cognito: ${local}`,
  ]
}

/**
 * Creates the throwaway user `email`, runs every step, deletes the user; says each result as it
 * comes. Resolves to the steps' results and whether the user is gone (false: the operator must
 * delete it by hand).
 */
export async function runProbe(
  admin: CognitoIdentityProviderClient,
  cognito: ProbeContext['cognito'],
  email: string,
  io: ProbeIo,
): Promise<{ results: ProbeResult[]; deleted: boolean }> {
  const context: ProbeContext = {
    admin,
    cognito,
    email,
    password: probePassword(),
    hash: await createSecretHasher(cognito.clientId, cognito.clientSecret),
    io,
  }
  const results: ProbeResult[] = []
  // Each result is said as it comes: an operator typing codes sees what the steps before found.
  const report = (...found: ProbeResult[]) => {
    results.push(...found)
    for (const result of found) for (const line of probeLines(result)) io.say(line)
  }
  const user = { UserPoolId: cognito.userPoolId, Username: email }
  try {
    await admin.send(
      new AdminCreateUserCommand({
        ...user,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'nickname', Value: 'doctor-probe' },
        ],
      }),
    )
  } catch (error) {
    // An address that already has an account is never probed (nor deleted).
    report({ step: 'create the probe user', real: describeError(error), local: '-', settled: false })
    return { results, deleted: true }
  }
  io.say(`probe: created the user ${email}`)
  let deleted = true
  try {
    await admin.send(new AdminSetUserPasswordCommand({ ...user, Password: context.password, Permanent: true }))
    for (const step of [usernameAndCode, threeWrongCodes, unknownAndUnavailable, ownSession, revokeTokenErrors]) {
      try {
        report(...(await step(context)))
      } catch (error) {
        report({ step: step.name, real: `stopped: ${describeError(error)}`, local: '-', settled: false })
      }
    }
  } catch (error) {
    report({ step: "set the probe user's password", real: describeError(error), local: '-', settled: false })
  } finally {
    try {
      await admin.send(new AdminDeleteUserCommand(user))
      io.say(`probe: deleted the user ${email}`)
    } catch (error) {
      io.say(`probe: could NOT delete the user ${email} (${describeError(error)}): delete it by hand`)
      deleted = false
    }
  }
  return { results, deleted }
}
