// The token check's answer (/token/verify): who the access token belongs to, as a JSON body and as
// the identity headers a proxy copies onto the request it forwards.
import { Type } from '@sinclair/typebox'
import { t } from 'elysia'

/**
 * The identity headers of an allowed check, named as oauth2-proxy names them (`X-Auth-Request-*`,
 * its "Configuration" page, `--set-xauthrequest`): the names nginx, Caddy, Traefik and Envoy guides
 * already copy. Values are printable ASCII: a group or user name with anything else (or a `%` or
 * `,`) is percent-encoded as UTF-8 (RFC 3986 §2.1); the JSON body carries the names as they are.
 */
export const IDENTITY_HEADERS = {
  /** The user's `sub` (oauth2-proxy: the user id). */
  user: 'x-auth-request-user',
  /** The Cognito username (oauth2-proxy: the preferred username). */
  username: 'x-auth-request-preferred-username',
  /** The user's groups, comma-separated (oauth2-proxy's form); empty when none. */
  groups: 'x-auth-request-groups',
  /** When the user last signed in, epoch seconds (the token's `auth_time`). */
  authTime: 'x-auth-request-auth-time',
  /** The token's scopes, space-separated as in the token's `scope` claim. */
  scope: 'x-auth-request-scope',
} as const

export const TokenCheckResponse = t.Object(
  {
    sub: t.String({ description: 'The user’s `sub`; also in X-Auth-Request-User.' }),
    username: t.String({ description: 'The Cognito username; also in X-Auth-Request-Preferred-Username.' }),
    groups: t.Array(t.String(), {
      description: 'The user’s Cognito groups (`cognito:groups`); also in X-Auth-Request-Groups, comma-separated.',
    }),
    authTime: Type.Integer({
      description: 'When the user last signed in (`auth_time`, epoch seconds); also in X-Auth-Request-Auth-Time.',
    }),
    scopes: t.Array(t.String(), {
      description: 'The token’s OAuth scopes (`scope`); also in X-Auth-Request-Scope, space-separated.',
      examples: [['aws.cognito.signin.user.admin']],
    }),
  },
  { description: 'The identity behind a valid access token.' },
)
