// The pool's password policy, applied where Cognito applies it (cognito-local stores the policy and
// accepts any password). Sources: CreateUserPool `Policies.PasswordPolicy` (PasswordPolicyType:
// MinimumLength, RequireUppercase, RequireLowercase, RequireNumbers, RequireSymbols; Cognito's defaults
// 8 and all four when the pool sets none); the developer guide, "Adding user pool password
// requirements", for what counts as a symbol (the list below) and that the policy binds every new
// password: sign-up, a changed one, a reset, an administrator's, and the new password of a
// NEW_PASSWORD_REQUIRED challenge. Each of those operations lists InvalidPasswordException, "Amazon
// Cognito encounters an invalid password", with the messages Cognito answers ("Password did not
// conform with policy: ..."). Loaded after compat.cjs (whose wrong-password rule must not turn a
// refused new password into NotAuthorizedException) and before strict.cjs (SECRET_HASH and the
// challenge session are checked first).
'use strict'
const jwt = require('jsonwebtoken')
const { Targets } = require('cognito-local/lib/targets/targets')
const errors = require('cognito-local/lib/errors')
const { USER_POOL_AWS_DEFAULTS } = require('cognito-local/lib/services/cognitoService')

// Developer guide, "Adding user pool password requirements": ^ $ * . [ ] { } ( ) ? " ! @ # % & / \ , > < ' : ; | _ ~ ` = + -
// and the space, when it is neither the first nor the last character.
const SYMBOLS = new Set('^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+-')
const hasSymbol = (password) =>
  [...password].some((c, i) => SYMBOLS.has(c) || (c === ' ' && i > 0 && i < password.length - 1))

/**
 * The first rule of `policy` that `password` breaks, as Cognito words it, or undefined when it
 * conforms. The policy's fields are PasswordPolicyType's.
 */
function policyViolation(policy, password) {
  const rules = [
    [password.length >= (policy.MinimumLength ?? 8), 'Password not long enough'],
    [!policy.RequireUppercase || /[A-Z]/.test(password), 'Password must have uppercase characters'],
    [!policy.RequireLowercase || /[a-z]/.test(password), 'Password must have lowercase characters'],
    [!policy.RequireNumbers || /[0-9]/.test(password), 'Password must have numeric characters'],
    [!policy.RequireSymbols || hasSymbol(password), 'Password must have symbol characters'],
  ]
  const broken = rules.find(([ok]) => !ok)
  return broken ? broken[1] : undefined
}

/** Throws InvalidPasswordException when `password` (a string) breaks the pool's policy. */
function assertConforms(userPool, password) {
  if (typeof password !== 'string') return
  const policy = userPool.options.Policies?.PasswordPolicy ?? USER_POOL_AWS_DEFAULTS.Policies.PasswordPolicy
  const violation = policyViolation(policy, password)
  if (violation) {
    throw new errors.CognitoError('InvalidPasswordException', `Password did not conform with policy: ${violation}`)
  }
}

// Where each operation names its pool and carries its new password.
const poolByClient = ({ cognito }, ctx, req) => cognito.getUserPoolForClientId(ctx, req.ClientId)
const poolById = ({ cognito }, ctx, req) => cognito.getUserPool(ctx, req.UserPoolId)
// A token that names no app client is left to the operation itself to refuse.
const poolByAccessToken = ({ cognito }, ctx, req) => {
  const clientId = jwt.decode(req.AccessToken)?.client_id
  if (typeof clientId !== 'string') return undefined
  return cognito.getUserPoolForClientId(ctx, clientId).catch(() => undefined)
}
const NEW_PASSWORDS = {
  SignUp: [poolByClient, (req) => req.Password],
  ConfirmForgotPassword: [poolByClient, (req) => req.Password],
  ChangePassword: [poolByAccessToken, (req) => req.ProposedPassword],
  AdminSetUserPassword: [poolById, (req) => req.Password],
  AdminCreateUser: [poolById, (req) => req.TemporaryPassword],
  RespondToAuthChallenge: [
    poolByClient,
    (req) => (req.ChallengeName === 'NEW_PASSWORD_REQUIRED' ? req.ChallengeResponses?.NEW_PASSWORD : undefined),
  ],
}

for (const [name, [poolOf, passwordOf]] of Object.entries(NEW_PASSWORDS)) {
  const target = Targets[name]
  Targets[name] = (services) => {
    const inner = target(services)
    return async (ctx, req) => {
      const password = passwordOf(req ?? {})
      if (password !== undefined) {
        const userPool = await poolOf(services, ctx, req)
        if (userPool) assertConforms(userPool, password)
      }
      return inner(ctx, req)
    }
  }
}

module.exports = { policyViolation }
