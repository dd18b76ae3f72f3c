// SECRET_HASH = base64(HMAC-SHA256(key = client secret, message = username + client id)).
// Web Crypto, so the same code runs on Bun and Node; the key is imported once per process.

export type SecretHasher = (username: string) => Promise<string>

const encoder = new TextEncoder()

/** Returns undefined for a public app client (no secret): then no SECRET_HASH is sent at all. */
export async function createSecretHasher(
  clientId: string,
  clientSecret: string | undefined,
): Promise<SecretHasher | undefined> {
  if (clientSecret === undefined) return undefined
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(clientSecret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  return async (username) => {
    const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(username + clientId))
    return Buffer.from(mac).toString('base64')
  }
}
