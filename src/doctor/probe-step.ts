// What the probe's steps share: the context they run in, what each finds, and how an answer is told.
import type {
  CognitoIdentityProviderClient,
  InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider'
import type { SecretHasher } from '../cognito/secret-hash.ts'
import type { CognitoConfig } from '../config.ts'
import { describeError } from './read-pool.ts'

/** What one probe step found: the real pool's answer beside the local Cognito's assumption. */
export interface ProbeResult {
  step: string
  real: string
  local: string
  /** False when the step could not run to the end (no terminal to type a code, or an earlier failure). */
  settled: boolean
}

export interface ProbeIo {
  /** Asks the operator for one line (an emailed code); absent without a terminal. */
  ask?: (question: string) => Promise<string>
  say: (line: string) => void
}

export interface ProbeContext {
  admin: CognitoIdentityProviderClient
  cognito: Pick<CognitoConfig, 'userPoolId' | 'clientId' | 'clientSecret'>
  email: string
  password: string
  hash: SecretHasher | undefined
  io: ProbeIo
}

/** "ExceptionName: message" or a summary of a successful answer. */
export async function outcomeOf(call: Promise<unknown>): Promise<string> {
  try {
    const out = (await call) as Partial<InitiateAuthCommandOutput> | undefined
    if (out?.AuthenticationResult)
      return `tokens${out.AuthenticationResult.RefreshToken ? ' with a refresh token' : ''}`
    if (out?.ChallengeName) return challengeSummary(out)
    return 'accepted'
  } catch (error) {
    return describeError(error)
  }
}

export function challengeSummary(out: Partial<InitiateAuthCommandOutput>): string {
  const parameters = Object.keys(out.ChallengeParameters ?? {}).sort()
  const available = out.AvailableChallenges ? `, AvailableChallenges ${out.AvailableChallenges.join(' ')}` : ''
  return `${out.ChallengeName} (ChallengeParameters: ${parameters.join(', ') || 'none'}${available})`
}
