import { describe, expect, test } from 'bun:test'
import { createSecretHasher } from '../../src/cognito/secret-hash.ts'

// Expected values computed independently with OpenSSL, not with this code:
//   printf '%s' "<username><client id>" | openssl dgst -sha256 -hmac '<secret>' -binary | base64
const CLIENT_ID = '3abc1defclientid'
const SECRET = 'secret-ü-123'
const VECTORS: Array<[string, string]> = [
  ['alice@example.com', 'zpEwgv8bDSlVkcR4YBIKrq+HJCnAJ4TPRXXH5WVIJJ4='],
  ['20250201test@example.com', 'cRzN38x4i68h71HhSxAWBu3NK7rarBuIHW82pKMfcTU='],
  ['user+filter@example.com', 'Fmt4x2RX2GrxPDfussYDgRSFzBxqpT5XK4lKTYxW5f4='],
  ['jöhn.dœ+tag@exämple.com', '8fNrlsBpewBgKeGBGaV4w+ysSlE2O2G1ZVPDOYNkfVM='],
  ['김뮤직@example.com', 'r8+s/42bGDxWtY4i52ZpjA7BgRIkse5NUF1l1JQClBY='],
]

describe('SECRET_HASH', () => {
  test.each(VECTORS)('%s', async (username, expected) => {
    const hash = await createSecretHasher(CLIENT_ID, SECRET)
    expect(await hash!(username)).toBe(expected)
  })

  test('a different client id gives a different hash (the message is username + client id)', async () => {
    const hash = await createSecretHasher(`${CLIENT_ID}x`, SECRET)
    expect(await hash!('alice@example.com')).not.toBe(VECTORS[0]![1])
  })

  test('a public client (no secret) gets no hasher, so no SECRET_HASH is sent', async () => {
    expect(await createSecretHasher(CLIENT_ID, undefined)).toBeUndefined()
  })

  test('hashing is synchronous: no asynchronous hop per request', () => {
    const hash = createSecretHasher(CLIENT_ID, SECRET)!
    expect(typeof hash(VECTORS[0]![0])).toBe('string')
    expect(hash(VECTORS[0]![0])).toBe(VECTORS[0]![1])
  })
})
