// The Cognito user pool the service fronts, built from the shape the local pool shares
// (pool-shape.ts): email as the sign-in name, a required mutable nickname, email auto-verified. Its
// app client has a secret (every call carries SECRET_HASH), which is copied into Secrets Manager for
// the task.
// Choice-based sign-in (the Essentials plan, ALLOW_USER_AUTH): passwords, emailed one-time codes
// (sent through the operator's SES identity: Cognito's own mail service cannot send them) and passkeys
// for the web app's domain.
import { CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib'
import * as cognito from 'aws-cdk-lib/aws-cognito'
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources'
import { Construct } from 'constructs'
import { CLIENT_SHAPE, POOL_SHAPE } from './pool-shape.ts'

const has = (list: readonly string[], item: string) => list.includes(item)

export interface UserPoolProps {
  deletionProtection: boolean
  /** The domain passkeys belong to (the web app's, e.g. example.com); they work on it and its subdomains. */
  passkeyRelyingPartyId: string
  /**
   * WebAuthnFactorConfiguration: `SINGLE_FACTOR`, or `MULTI_FACTOR_WITH_USER_VERIFICATION` (a passkey
   * with user verification can count as MFA for a user who turns it on: SetUserMFAPreference
   * WebAuthnMfaSettings, the service's PUT /me/passkeys/mfa).
   */
  passkeyFactorConfiguration: string
  /** The verified SES identity (an address) the one-time codes and every other Cognito email come from. */
  sesFromEmail: string
  /** The region of that SES identity. */
  sesRegion: string
  /** Refresh-token rotation on the app client, with this grace period (0-60 s) for the rotated-out token. */
  refreshTokenRotation: boolean
  refreshTokenGraceSeconds: number
  /** Session tracking (ListUserSessions, RevokeUserSession), at most 20 token sessions per user. */
  sessionTracking: boolean
}

export class UserPool extends Construct {
  readonly pool: cognito.UserPool
  readonly client: cognito.UserPoolClient
  /** The app client's secret, for the task's COGNITO_CLIENT_SECRET. */
  readonly clientSecret: secretsmanager.Secret

  constructor(scope: Construct, id: string, props: UserPoolProps) {
    super(scope, id)

    this.pool = new cognito.UserPool(this, 'Pool', {
      selfSignUpEnabled: true,
      signInAliases: { email: has(POOL_SHAPE.UsernameAttributes, 'email') },
      signInCaseSensitive: POOL_SHAPE.CaseSensitiveUsernames,
      autoVerify: { email: has(POOL_SHAPE.AutoVerifiedAttributes, 'email') },
      keepOriginal: { email: has(POOL_SHAPE.AttributesRequireVerificationBeforeUpdate, 'email') },
      mfa: cognito.Mfa[POOL_SHAPE.MfaConfiguration],
      mfaSecondFactor: {
        otp: has(POOL_SHAPE.EnabledMfas, 'SOFTWARE_TOKEN_MFA'),
        sms: has(POOL_SHAPE.EnabledMfas, 'SMS_MFA'),
      },
      standardAttributes: {
        email: { required: true, mutable: true },
        ...Object.fromEntries(
          POOL_SHAPE.RequiredAttributes.map(({ Name, Mutable }) => [Name, { required: true, mutable: Mutable }]),
        ),
      },
      passwordPolicy: {
        minLength: POOL_SHAPE.PasswordPolicy.MinimumLength,
        requireLowercase: POOL_SHAPE.PasswordPolicy.RequireLowercase,
        requireUppercase: POOL_SHAPE.PasswordPolicy.RequireUppercase,
        requireDigits: POOL_SHAPE.PasswordPolicy.RequireNumbers,
        requireSymbols: POOL_SHAPE.PasswordPolicy.RequireSymbols,
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Developer guide, "Authentication flows: choice-based authentication": email codes and passkeys
      // as first factors need the Essentials plan (or Plus) and SES (EmailSendingAccount DEVELOPER);
      // session tracking (SetUserPoolSessionConfiguration) needs Essentials or Plus too.
      featurePlan: cognito.FeaturePlan[POOL_SHAPE.FeaturePlan],
      signInPolicy: {
        allowedFirstAuthFactors: {
          password: has(POOL_SHAPE.AllowedFirstAuthFactors, 'PASSWORD'),
          emailOtp: has(POOL_SHAPE.AllowedFirstAuthFactors, 'EMAIL_OTP'),
          passkey: has(POOL_SHAPE.AllowedFirstAuthFactors, 'WEB_AUTHN'),
        },
      },
      passkeyRelyingPartyId: props.passkeyRelyingPartyId,
      passkeyUserVerification: POOL_SHAPE.WebAuthnUserVerification as cognito.PasskeyUserVerification,
      email: cognito.UserPoolEmail.withSES({ fromEmail: props.sesFromEmail, sesRegion: props.sesRegion }),
      deletionProtection: props.deletionProtection,
      // Users are the one thing a redeploy cannot recreate: keep the pool when the stack goes,
      // unless deletion protection was turned off on purpose.
      removalPolicy: props.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    })

    this.client = this.pool.addClient('Client', {
      generateSecret: CLIENT_SHAPE.GenerateSecret,
      // CDK adds ALLOW_REFRESH_TOKEN_AUTH unless the client rotates refresh tokens (then refreshing is
      // GetTokensFromRefreshToken, which REFRESH_TOKEN_AUTH cannot do).
      authFlows: {
        userPassword: has(CLIENT_SHAPE.ExplicitAuthFlows, 'ALLOW_USER_PASSWORD_AUTH'),
        user: has(CLIENT_SHAPE.ExplicitAuthFlows, 'ALLOW_USER_AUTH'),
      },
      preventUserExistenceErrors: CLIENT_SHAPE.PreventUserExistenceErrors === 'ENABLED',
      enableTokenRevocation: CLIENT_SHAPE.EnableTokenRevocation,
      authSessionValidity: Duration.minutes(CLIENT_SHAPE.AuthSessionValidity),
      enablePropagateAdditionalUserContextData: CLIENT_SHAPE.EnablePropagateAdditionalUserContextData,
      // Rotation: GetTokensFromRefreshToken hands out a new refresh token on every refresh and the old
      // one dies after the grace period (a stolen refresh token is only good until its next use).
      ...(props.refreshTokenRotation
        ? { refreshTokenRotationGracePeriod: Duration.seconds(props.refreshTokenGraceSeconds) }
        : {}),
      // The service does not use the hosted UI or OAuth flows.
      disableOAuth: true,
    })

    if (props.sessionTracking) {
      // CloudFormation's AWS::Cognito::UserPoolSessionConfigurationAttachment (SetUserPoolSessionConfiguration);
      // this aws-cdk-lib has no L1 class for it yet.
      const sessions = new CfnResource(this, 'SessionConfiguration', {
        type: 'AWS::Cognito::UserPoolSessionConfigurationAttachment',
        properties: {
          UserPoolId: this.pool.userPoolId,
          UserSessionTracking: POOL_SHAPE.UserSessionTracking,
          TokenSession: { MaxPerUser: POOL_SHAPE.TokenSessionMaxPerUser },
        },
      })
      Validations.of(sessions).acknowledge({
        id: 'CloudFormation-Validate::F3006',
        reason:
          'The resource type is newer than the CloudFormation schemas bundled with this aws-cdk-lib (2.276); aws-cdk-lib 2.278 has it as CfnUserPoolSessionConfigurationAttachment with these properties.',
      })
    }
    // The L2 construct has no property for it; CloudFormation's AWS::Cognito::UserPool has.
    ;(this.pool.node.defaultChild as cognito.CfnUserPool).webAuthnFactorConfiguration = props.passkeyFactorConfiguration

    this.clientSecret = new secretsmanager.Secret(this, 'ClientSecret', {
      description: 'user-service: the Cognito app client secret (COGNITO_CLIENT_SECRET)',
      secretStringValue: this.client.userPoolClientSecret,
    })

    Validations.of(this.pool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is optional (authenticator apps) and each user turns it on; requiring it for an open sign-up API is a product decision. With Mfa.REQUIRED the service already handles the MFA_SETUP challenge (POST /signin/mfa-setup), so it needs no code change.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'Threat protection needs the Cognito Plus feature plan, a cost decision left to the operator; meanwhile WAF rate-limits the sign-in, sign-up and password routes per IP.',
      },
    )
    Validations.of(this.clientSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The value is the secret Cognito generated for the app client; a Secrets Manager rotation Lambda cannot change it. Rotating it means a new app client secret in Cognito, then a redeploy.',
    })
    // The AwsCustomResource that reads the generated secret (DescribeUserPoolClient) runs in a
    // singleton Lambda that CDK creates at stack level.
    const reader = Stack.of(this).node.findChild(`AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`)
    Validations.of(reader).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's custom-resource Lambda (reads the app client secret once per deploy) logs through the AWS-managed basic execution policy; it has no other permission beyond DescribeUserPoolClient on this pool.",
    })
  }
}
