// Cognito's JSON 1.1 wire, as the test stand-ins (the stub Cognito, the verifying and fault
// proxies) and the benchmark's ceiling speak it: the one copy of its error answer and of the
// reference SECRET_HASH.
import { createHmac, type KeyObject } from 'node:crypto'

/** Cognito's content type on every answer. */
export const AMZ_JSON_11 = 'application/x-amz-json-1.1'

/** The request fields the stand-ins read, by Cognito's own names (the API reference's request syntax). */
export type CognitoRequestBody = Record<string, unknown> & {
  ClientId?: string
  Username?: string
  Password?: string
  SecretHash?: string
  AccessToken?: string
  AuthFlow?: string
  AuthParameters?: Record<string, string>
  ChallengeName?: string
  ChallengeResponses?: Record<string, string>
  Session?: string
  ConfirmationCode?: string
  UserContextData?: { IpAddress?: string; EncodedData?: string }
}

/**
 * An error answer as Cognito sends it: body `{"__type": type, "message": message}` and the type again
 * in X-Amzn-ErrorType (the AWS JSON 1.1 protocol's error shape; the SDK and our JSON client read
 * either). `type` is the exception name, e.g. NotAuthorizedException; `status` is 400 for every
 * client error, 500 for Cognito's own failures.
 */
export function cognitoErrorResponse(type: string, message: string, status = 400): Response {
  return new Response(JSON.stringify({ __type: type, message }), {
    status,
    headers: { 'content-type': AMZ_JSON_11, 'x-amzn-errortype': type },
  })
}

/**
 * SECRET_HASH as Cognito computes it: Base64(HMAC-SHA256(key = client secret, message = username +
 * client id)), with node:crypto, independently of the service's Web Crypto code
 * (src/cognito/secret-hash.ts). Source: "Computing secret hash values", Amazon Cognito Developer
 * Guide (the "Unable to verify secret hash" answer when it is wrong). `secret` may be a KeyObject made once, for a hot loop (the benchmark's ceiling).
 */
export function referenceSecretHash(secret: string | KeyObject, username: string, clientId: string): string {
  return createHmac('sha256', secret)
    .update(username + clientId, 'utf8')
    .digest('base64')
}
