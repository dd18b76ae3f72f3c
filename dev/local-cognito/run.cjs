// Runs cognito-local (on Node) like its own bin does, with these changes:
// - compat.cjs closes the gaps to Cognito this service depends on;
// - password-policy.cjs refuses a new password that breaks the pool's policy;
// - strict.cjs refuses what Cognito refuses (SECRET_HASH, challenge sessions, aliases, case, states);
// - passwordless.cjs adds choice-based sign-in (USER_AUTH: email codes, passkeys) and the WebAuthn operations;
// - tokens.cjs adds refresh-token rotation (GetTokensFromRefreshToken) and revocation by origin_jti;
// - describe.cjs keeps the pool's and app clients' settings and describes them back;
// - revocation.cjs, loaded last, refuses a revoked access token on every operation that takes one;
// - a synchronous JSON logger instead of its coloured pretty printer, and its "email" (the console
//   message sender, where real Cognito would send mail) writes one JSON line per code instead of a
//   box drawn for people. emulator.ts follows these lines to learn the codes.
'use strict'
require('./compat.cjs')
require('./password-policy.cjs')
require('./strict.cjs')
require('./mfa.cjs')
require('./email-change.cjs')
require('./passwordless.cjs')
require('./passkey-mfa.cjs')
require('./tokens.cjs')
require('./describe.cjs')
require('./revocation.cjs')
const pino = require('pino')
const { createDefaultServer } = require('cognito-local/lib/server')
const { ConsoleMessageSender } = require('cognito-local/lib/services/messageDelivery/consoleMessageSender')

const logger = pino({ level: 'info', base: undefined }, pino.destination({ fd: 1, sync: true }))

ConsoleMessageSender.prototype.sendToConsole = (_ctx, user, destination, message) => {
  logger.info({ username: user.Username, destination, code: message.__code }, 'code delivery')
  return Promise.resolve()
}

createDefaultServer(logger)
  .then((server) => server.start())
  .then(() => logger.info('cognito-local ready'))
  .catch((error) => {
    logger.error({ err: error }, 'cognito-local failed to start')
    process.exit(1)
  })
