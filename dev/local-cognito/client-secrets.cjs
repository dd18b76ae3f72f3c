// An app client's active secrets. Cognito lets a confidential app client have two active secrets at
// once, for rotation without downtime (API reference, AddUserPoolClientSecret: "Supports up to 2
// active secrets per app client for zero-downtime credential rotation workflows"); a call is
// accepted under either, for SECRET_HASH and for the raw ClientSecret alike. cognito-local knows
// one (`ClientSecret`): the second is kept beside it. AddUserPoolClientSecret is emulated here
// ("ClientSecretValue is only returned when Amazon Cognito generates the secret"); how Cognito
// refuses a third secret (LimitExceededException, among its documented errors) and what
// DescribeUserPoolClient's `ClientSecret` shows while two are active are guesses (the doctor accepts
// either configured secret there).
'use strict'
const { randomBytes, randomUUID } = require('node:crypto')
const { Targets } = require('cognito-local/lib/targets/targets')
const errors = require('cognito-local/lib/errors')

const MAX_ACTIVE_SECRETS = 2

/** The secrets a call of `client` may use: its first and any added one (none for a public client). */
const activeSecretsOf = (client) =>
  client?.ClientSecret ? [client.ClientSecret, ...(client.AddedClientSecrets ?? []).map((s) => s.value)] : []

// AddUserPoolClientSecret {UserPoolId, ClientId, ClientSecret?} (24-64 characters of [\w+]).
const AddUserPoolClientSecret = (services) => async (ctx, req) => {
  const client = await services.cognito.getAppClient(ctx, req.ClientId)
  if (!client || client.UserPoolId !== req.UserPoolId) throw new errors.ResourceNotFoundError()
  if (!client.ClientSecret) throw new errors.InvalidParameterError('The app client has no secret')
  if (activeSecretsOf(client).length >= MAX_ACTIVE_SECRETS)
    throw new errors.CognitoError('LimitExceededException', 'The app client already has 2 active secrets')
  const given = req.ClientSecret
  if (given !== undefined && !/^[\w+]{24,64}$/.test(given))
    throw new errors.InvalidParameterError('ClientSecret must be 24 to 64 characters of [\\w+]')
  const added = { id: randomUUID(), value: given ?? randomBytes(32).toString('hex'), created: Date.now() }
  const userPool = await services.cognito.getUserPool(ctx, client.UserPoolId)
  await userPool.saveAppClient(ctx, { ...client, AddedClientSecrets: [...(client.AddedClientSecrets ?? []), added] })
  return {
    ClientSecretDescriptor: {
      ClientSecretId: added.id,
      ClientSecretCreateDate: Math.floor(added.created / 1000),
      ...(given === undefined ? { ClientSecretValue: added.value } : {}),
    },
  }
}

Object.assign(Targets, { AddUserPoolClientSecret })

module.exports = { activeSecretsOf }
