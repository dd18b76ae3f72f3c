// A passwordless start under every answer Cognito might give where its documentation is silent (a
// preferred challenge the user cannot answer, an unknown user): whatever reveals the account's state
// is replaced by the answer for an address nobody has (src/cognito/enumeration.ts); anything else,
// our own misconfiguration above all, is not hidden.
import { describe, expect, test } from 'bun:test'
import { asUnknownAddressOnAccountState } from '../../src/cognito/enumeration.ts'
import { problemFromCognitoError } from '../../src/cognito/errors.ts'

const refusal = (name: string, message = 'upstream says something') =>
  problemFromCognitoError(Object.assign(new Error(message), { name }), 'InitiateAuth', false)

/** A start that answers `first` for the real address and a challenge for any other. */
function startAnswering(first: () => Promise<string>) {
  const asked: string[] = []
  const start = (username: string) => {
    asked.push(username)
    return asked.length === 1 ? first() : Promise.resolve(`challenge for ${username}`)
  }
  return { asked, start }
}

describe('a passwordless start whose first answer is undocumented', () => {
  test('SELECT_CHALLENGE (the local guess) or the preferred challenge itself: passed through, asked once', async () => {
    const { asked, start } = startAnswering(() => Promise.resolve('SELECT_CHALLENGE'))
    expect(await asUnknownAddressOnAccountState('user@example.com', start)).toBe('SELECT_CHALLENGE')
    expect(asked).toEqual(['user@example.com'])
  })

  test.each([
    'InvalidParameterException',
    'NotAuthorizedException',
    'UserNotFoundException',
    'UserNotConfirmedException',
  ])('%s: answered as for a made-up address at the same domain', async (name) => {
    const { asked, start } = startAnswering(() => Promise.reject(refusal(name)))
    const answer = await asUnknownAddressOnAccountState('user@example.com', start)
    expect(asked).toHaveLength(2)
    expect(asked[1]).toMatch(/^[0-9a-f-]{36}@example\.com$/)
    expect(answer).toBe(`challenge for ${asked[1]}`)
  })

  test('our own secret refused, or Cognito failing: not hidden', async () => {
    for (const error of [
      refusal('NotAuthorizedException', 'Unable to verify secret hash for client abc'),
      refusal('InternalErrorException'),
    ]) {
      const { asked, start } = startAnswering(() => Promise.reject(error))
      await expect(asUnknownAddressOnAccountState('user@example.com', start)).rejects.toBe(error)
      expect(asked).toHaveLength(1)
    }
  })
})
