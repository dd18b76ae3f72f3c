// The synthesized template, property by property, plus the links to the service's own
// configuration: the task's environment is parsed by src/config.ts, the ALB idle timeout is checked
// against the keep-alive in src/service.ts, the pool against the shape the local pool shares
// (lib/pool-shape.ts).
import { describe, expect, test } from 'bun:test'
import { Match } from 'aws-cdk-lib/assertions'
import { parseConfig } from '../../../src/config.ts'
import { IDLE_TIMEOUT_SECONDS } from '../../../src/service.ts'
import { ALB_IDLE_TIMEOUT_SECONDS } from '../lib/load-balancer.ts'
import { CLIENT_SHAPE, POOL_SHAPE } from '../lib/pool-shape.ts'
import { only, template } from './synth.ts'

const container = only('AWS::ECS::TaskDefinition').properties.ContainerDefinitions[0]
const environment: Record<string, unknown> = Object.fromEntries(
  container.Environment.map((e: { Name: string; Value: unknown }) => [e.Name, e.Value]),
)
const drainMs = Number(environment.SHUTDOWN_TIMEOUT_MS)

describe('Cognito user pool', () => {
  test('email sign-in in any case, required mutable nickname, password policy, email auto-verified, deletion protection', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: POOL_SHAPE.UsernameAttributes,
      UsernameConfiguration: { CaseSensitive: POOL_SHAPE.CaseSensitiveUsernames },
      AutoVerifiedAttributes: POOL_SHAPE.AutoVerifiedAttributes,
      Schema: Match.arrayWith(POOL_SHAPE.RequiredAttributes.map((a) => ({ ...a, Required: true }))),
      Policies: { PasswordPolicy: POOL_SHAPE.PasswordPolicy },
      DeletionProtection: 'ACTIVE',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
    })
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' })
  })

  test('app client: generated secret, USER_PASSWORD_AUTH + USER_AUTH only (a rotating client refreshes with GetTokensFromRefreshToken, not REFRESH_TOKEN_AUTH), no user-existence errors', () => {
    const client = only('AWS::Cognito::UserPoolClient').properties
    expect(client.GenerateSecret).toBe(CLIENT_SHAPE.GenerateSecret)
    expect([...client.ExplicitAuthFlows].sort()).toEqual([...CLIENT_SHAPE.ExplicitAuthFlows].sort())
    expect(client.PreventUserExistenceErrors).toBe(CLIENT_SHAPE.PreventUserExistenceErrors)
    expect(client.AllowedOAuthFlowsUserPoolClient).toBe(false)
  })

  test('passwordless: Essentials plan, password + email code + passkey first factors, RP id and SES sender from parameters', () => {
    const pool = only('AWS::Cognito::UserPool').properties
    expect(pool.UserPoolTier).toBe('ESSENTIALS')
    expect([...pool.Policies.SignInPolicy.AllowedFirstAuthFactors].sort()).toEqual(
      [...POOL_SHAPE.AllowedFirstAuthFactors].sort(),
    )
    expect(pool.WebAuthnRelyingPartyID).toEqual({ Ref: 'PasskeyRelyingPartyId' })
    expect(pool.WebAuthnUserVerification).toBe(POOL_SHAPE.WebAuthnUserVerification)
    expect(pool.EmailConfiguration.EmailSendingAccount).toBe('DEVELOPER')
    expect(pool.EmailConfiguration.From).toEqual({ Ref: 'SesFromEmail' })
    expect(JSON.stringify(pool.EmailConfiguration.SourceArn)).toContain('SesFromEmail')
    const parameters = template.toJSON().Parameters
    expect(parameters.PasskeyRelyingPartyId.Default).toBeUndefined()
    expect(parameters.SesFromEmail.Default).toBeUndefined()
  })

  test('passkeys as a second factor: a parameter, a single factor by default', () => {
    const pool = only('AWS::Cognito::UserPool').properties
    expect(pool.WebAuthnFactorConfiguration).toEqual({ Ref: 'PasskeyFactorConfiguration' })
    const parameter = template.toJSON().Parameters.PasskeyFactorConfiguration
    expect(parameter.Default).toBe('SINGLE_FACTOR')
    expect(parameter.AllowedValues).toEqual(['SINGLE_FACTOR', 'MULTI_FACTOR_WITH_USER_VERIFICATION'])
  })

  test('app client: token revocation on, refresh tokens rotate with a 10 s grace period; the task knows it rotates', () => {
    const client = only('AWS::Cognito::UserPoolClient').properties
    expect(client.EnableTokenRevocation).toBe(CLIENT_SHAPE.EnableTokenRevocation)
    expect(client.AuthSessionValidity).toBe(CLIENT_SHAPE.AuthSessionValidity)
    // The user's address the service sends (UserContextData.IpAddress) reaches threat protection.
    expect(client.EnablePropagateAdditionalUserContextData).toBe(true)
    expect(client.RefreshTokenRotation).toEqual({ Feature: 'ENABLED', RetryGracePeriodSeconds: 10 })
    expect(environment.COGNITO_REFRESH_TOKEN_ROTATION).toBe('true')
  })

  test('session tracking on for the pool (Essentials plan), at most 20 token sessions per user', () => {
    const pool = only('AWS::Cognito::UserPool')
    expect(pool.properties.UserPoolTier).toBe('ESSENTIALS')
    const attachment = only('AWS::Cognito::UserPoolSessionConfigurationAttachment').properties
    expect(attachment).toEqual({
      UserPoolId: { Ref: pool.id },
      UserSessionTracking: POOL_SHAPE.UserSessionTracking,
      TokenSession: { MaxPerUser: POOL_SHAPE.TokenSessionMaxPerUser },
    })
  })

  test('the client secret goes to Secrets Manager, read without logging the response', () => {
    const secret = clientSecret()
    const reader = only('Custom::DescribeCognitoUserPoolClient')
    expect(secret.properties.SecretString).toEqual({ 'Fn::GetAtt': [reader.id, 'UserPoolClient.ClientSecret'] })
    expect(JSON.stringify(reader.properties.Create)).toContain('\\"logApiResponseData\\":false')
  })
})

describe('ECR repository', () => {
  test('scans on push, immutable tags', () => {
    template.hasResourceProperties('AWS::ECR::Repository', {
      ImageScanningConfiguration: { ScanOnPush: true },
      ImageTagMutability: 'IMMUTABLE',
    })
  })
})

describe('network and cluster', () => {
  test('a new VPC over two AZs, rejected traffic logged', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1)
    template.resourceCountIs('AWS::EC2::Subnet', 4)
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' })
  })

  test('an EC2 Auto Scaling group capacity provider with managed scaling and draining', () => {
    const asg = only('AWS::AutoScaling::AutoScalingGroup')
    const provider = only('AWS::ECS::CapacityProvider').properties.AutoScalingGroupProvider
    expect(provider.AutoScalingGroupArn).toEqual({ Ref: asg.id })
    expect(provider.ManagedScaling.Status).toBe('ENABLED')
    expect(provider.ManagedDraining).toBe('ENABLED')
    template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: Match.arrayWith([{ Ref: only('AWS::ECS::CapacityProvider').id }]),
    })
  })

  test('instances: ECS-optimized AL2023 x86_64 by default, IMDSv2, encrypted disk, tasks kept off IMDS', () => {
    const data = only('AWS::EC2::LaunchTemplate').properties.LaunchTemplateData
    expect(data.InstanceType).toBe('t3.small')
    expect(data.MetadataOptions.HttpTokens).toBe('required')
    expect(data.BlockDeviceMappings[0].Ebs.Encrypted).toBe(true)
    expect(JSON.stringify(data.UserData)).toContain('ECS_AWSVPC_BLOCK_IMDS=true')
    const amiParameter = template.toJSON().Parameters[data.ImageId.Ref]
    expect(amiParameter.Default).toBe('/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id')
  })
})

describe('task definition (the settings of deploy/ecs/task-definition.json)', () => {
  test('EC2, awsvpc, port 8080', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['EC2'],
      NetworkMode: 'awsvpc',
    })
    expect(container.PortMappings).toEqual([
      { Name: 'http', ContainerPort: 8080, Protocol: 'tcp', AppProtocol: 'http' },
    ])
  })

  test('non-root, read-only root filesystem, no capabilities, init process', () => {
    expect(container.User).toBe('65532:65532')
    expect(container.ReadonlyRootFilesystem).toBe(true)
    expect(container.Privileged).toBe(false)
    expect(container.LinuxParameters).toEqual({ InitProcessEnabled: true, Capabilities: { Drop: ['ALL'] } })
  })

  test('sized like the measured service: 256 CPU units, 256 MiB hard limit, 128 MiB reserved', () => {
    expect({ cpu: container.Cpu, memory: container.Memory, reservation: container.MemoryReservation }).toEqual({
      cpu: 256,
      memory: 256,
      reservation: 128,
    })
  })

  test('health check through the binary', () => {
    expect(container.HealthCheck.Command).toEqual(['CMD', '/usr/local/bin/user-service', 'healthcheck'])
    // The binary gives up after 2 s; ECS must wait longer than that.
    expect(container.HealthCheck.Timeout).toBeGreaterThan(2)
  })

  test('stop timeout above the service drain', () => {
    expect(container.StopTimeout * 1000).toBeGreaterThan(drainMs)
    expect(container.StopTimeout).toBeLessThanOrEqual(120)
  })

  test('awslogs into a log group with retention; every log group has a retention', () => {
    expect(container.LogConfiguration.LogDriver).toBe('awslogs')
    const group = container.LogConfiguration.Options['awslogs-group'].Ref
    expect(template.toJSON().Resources[group].Properties.RetentionInDays).toBe(30)
    for (const [id, group] of Object.entries(template.findResources('AWS::Logs::LogGroup'))) {
      expect({ id, retention: group.Properties?.RetentionInDays }).toEqual({ id, retention: expect.any(Number) })
    }
  })

  test('COGNITO_CLIENT_SECRET comes from Secrets Manager, never from the environment', () => {
    expect(container.Secrets).toEqual([
      { Name: 'COGNITO_CLIENT_SECRET', ValueFrom: { Ref: clientSecret().id } },
      { Name: 'REDIS_PASSWORD', ValueFrom: { Ref: secretNamed('SharedStatePassword') } },
    ])
    expect(environment).not.toHaveProperty('COGNITO_CLIENT_SECRET')
    expect(environment).not.toHaveProperty('REDIS_PASSWORD')
  })

  test('the environment is a valid service configuration (src/config.ts), with TRUST_PROXY behind the ALB', () => {
    expect(environment.COGNITO_USER_POOL_ID).toEqual({ Ref: only('AWS::Cognito::UserPool').id })
    expect(environment.COGNITO_CLIENT_ID).toEqual({ Ref: only('AWS::Cognito::UserPoolClient').id })
    // Deploy-time references stand in as values of the shape Cognito gives them.
    const deployed = {
      ...environment,
      COGNITO_USER_POOL_ID: 'ap-northeast-2_AbC123',
      COGNITO_CLIENT_ID: '1example23456789',
      COGNITO_CLIENT_SECRET: 'from-secrets-manager',
      REDIS_URL: 'rediss://user-service@example.serverless.apne2.cache.amazonaws.com:6379',
      REDIS_PASSWORD: 'from-secrets-manager-too',
    } as Record<string, string>
    const config = parseConfig(deployed)
    expect(config.port).toBe(8080)
    expect(config.trustProxy).toBe(true)
    expect(config.cognito.region).toBe('ap-northeast-2')
    expect(config.cognito.endpoint).toBeUndefined()
    expect(config.shutdownTimeoutMs).toBe(10_000)
    expect(config.store).toMatchObject({ cluster: true, password: 'from-secrets-manager-too' })
  })

  test('the task role may end sessions on this pool and nothing else (AdminGetUser, AdminUserGlobalSignOut)', () => {
    const taskRole = only('AWS::ECS::TaskDefinition').properties.TaskRoleArn['Fn::GetAtt'][0]
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      p.Properties.Roles.some((r: { Ref: string }) => r.Ref === taskRole),
    )
    expect(policies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
      {
        Effect: 'Allow',
        Action: ['cognito-idp:AdminGetUser', 'cognito-idp:AdminUserGlobalSignOut'],
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:aws:cognito-idp:ap-northeast-2:',
              { Ref: 'AWS::AccountId' },
              ':userpool/',
              { Ref: only('AWS::Cognito::UserPool').id },
            ],
          ],
        },
      },
    ])
  })
})

describe('load balancer', () => {
  const alb = only('AWS::ElasticLoadBalancingV2::LoadBalancer').properties
  const attribute = (key: string) => alb.LoadBalancerAttributes.find((a: { Key: string }) => a.Key === key)?.Value

  test('idle timeout below the service keep-alive', () => {
    expect(Number(attribute('idle_timeout.timeout_seconds'))).toBe(ALB_IDLE_TIMEOUT_SECONDS)
    expect(ALB_IDLE_TIMEOUT_SECONDS).toBeLessThan(IDLE_TIMEOUT_SECONDS)
  })

  test('internet-facing, drops invalid headers, access logs on', () => {
    expect(alb.Scheme).toBe('internet-facing')
    expect(attribute('routing.http.drop_invalid_header_fields.enabled')).toBe('true')
    expect(attribute('access_logs.s3.enabled')).toBe('true')
  })

  test('target group: task IPs on 8080, health check on /health, deregistration delay = drain time', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'ip',
      Port: 8080,
      Protocol: 'HTTP',
      HealthCheckPath: '/health',
      Matcher: { HttpCode: '200' },
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'deregistration_delay.timeout_seconds', Value: String(drainMs / 1000) },
      ]),
    })
  })

  test('HTTP only without a certificate (the HTTPS case: load-balancer.test.ts)', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1)
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' })
  })
})

describe('ECS service', () => {
  const service = only('AWS::ECS::Service').properties

  test('on the capacity provider, behind the target group, in private subnets', () => {
    expect(service.CapacityProviderStrategy).toEqual([
      { CapacityProvider: { Ref: only('AWS::ECS::CapacityProvider').id }, Weight: 1 },
    ])
    expect(service.LoadBalancers).toEqual([
      {
        ContainerName: 'user-service',
        ContainerPort: 8080,
        TargetGroupArn: { Ref: only('AWS::ElasticLoadBalancingV2::TargetGroup').id },
      },
    ])
    expect(service.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED')
  })

  test('deployment circuit breaker with rollback, no capacity dip during a deployment', () => {
    expect(service.DeploymentConfiguration).toEqual({
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      MaximumPercent: 200,
      MinimumHealthyPercent: 100,
    })
  })

  test('only the load balancer reaches the tasks, on 8080', () => {
    const albGroup = alb().SecurityGroups[0]['Fn::GetAtt'][0]
    const serviceGroup = service.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups[0]['Fn::GetAtt'][0]
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties)
    expect(ingress).toEqual([
      expect.objectContaining({ SourceSecurityGroupId: { 'Fn::GetAtt': [serviceGroup, 'GroupId'] }, FromPort: 6379 }),
      expect.objectContaining({
        GroupId: { 'Fn::GetAtt': [serviceGroup, 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [albGroup, 'GroupId'] },
        FromPort: 8080,
        ToPort: 8080,
      }),
    ])
    const serviceGroupIngress = template.toJSON().Resources[serviceGroup].Properties.SecurityGroupIngress
    expect(serviceGroupIngress).toBeUndefined()
  })

  test('auto scaling on CPU and on ALB requests per target', () => {
    const target = only('AWS::ApplicationAutoScaling::ScalableTarget')
    expect(target.properties.ScalableDimension).toBe('ecs:service:DesiredCount')
    expect(target.properties.MaxCapacity).toEqual({ 'Fn::If': ['WithStateStore', 10, 1] })
    const metrics = Object.values(template.findResources('AWS::ApplicationAutoScaling::ScalingPolicy')).map((p) => {
      expect(p.Properties.PolicyType).toBe('TargetTrackingScaling')
      expect(p.Properties.ScalingTargetId).toEqual({ Ref: target.id })
      return p.Properties.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType
    })
    expect(metrics.sort()).toEqual(['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization'])
  })

  test('outputs for the deploy guide: URL, repository, pool, client, cluster, service, alarm topic', () => {
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual([
      'AlarmTopicArn',
      'ClusterName',
      'RepositoryUri',
      'ServiceName',
      'Url',
      'UserPoolClientId',
      'UserPoolId',
    ])
    template.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Retain' })
  })

  test('no tasks until an image tag is given; the tag is a parameter that cdk deploy keeps', () => {
    const parameters = template.toJSON().Parameters
    expect(parameters.ImageTag).toMatchObject({ Type: 'String', Default: '' })
    template.hasCondition('NoImageYet', { 'Fn::Equals': [{ Ref: 'ImageTag' }, ''] })
    const minTasks = { 'Fn::If': ['NoImageYet', 0, { 'Fn::If': ['WithStateStore', 2, 1] }] }
    expect(service.DesiredCount).toEqual(minTasks)
    expect(only('AWS::ApplicationAutoScaling::ScalableTarget').properties.MinCapacity).toEqual(minTasks)
    expect(JSON.stringify(container.Image)).toContain(
      JSON.stringify({ 'Fn::If': ['NoImageYet', 'none', { Ref: 'ImageTag' }] }),
    )
    const pattern = new RegExp(parameters.ImageTag.AllowedPattern)
    for (const ok of ['', 'v1.2.3', '3f2a9c1']) expect(pattern.test(ok)).toBe(true)
    for (const bad of ['latest:1', '-x', 'a b']) expect(pattern.test(bad)).toBe(false)
  })

  function alb() {
    return only('AWS::ElasticLoadBalancingV2::LoadBalancer').properties
  }
})

describe('WAF', () => {
  const acl = only('AWS::WAFv2::WebACL')
  const rules: any[] = acl.properties.Rules

  test('a regional web ACL associated with the ALB', () => {
    expect(acl.properties.Scope).toBe('REGIONAL')
    expect(acl.properties.DefaultAction).toEqual({ Allow: {} })
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { Ref: only('AWS::ElasticLoadBalancingV2::LoadBalancer').id },
      WebACLArn: { 'Fn::GetAtt': [acl.id, 'Arn'] },
    })
  })

  // A small evaluator of the scope-down statement (OR of STARTS_WITH byte matches on the path,
  // after the listed text transformations), so the test checks which requests the rule counts.
  const matches = (statement: any, path: string): boolean => {
    if (statement.OrStatement) return statement.OrStatement.Statements.some((s: any) => matches(s, path))
    const byteMatch = statement.ByteMatchStatement
    expect(byteMatch.FieldToMatch).toEqual({ UriPath: {} })
    expect(byteMatch.PositionalConstraint).toBe('STARTS_WITH')
    const transformed = byteMatch.TextTransformations.reduce((value: string, t: { Type: string }) => {
      expect(t.Type).toBe('LOWERCASE')
      return value.toLowerCase()
    }, path)
    return transformed.startsWith(byteMatch.SearchString)
  }

  test('a per-IP rate limit on the sign-in, sign-up and forgot-password routes, answered with 429', () => {
    const rule = rules.find((r) => r.Name === 'auth-routes-per-ip')
    const rate = rule.Statement.RateBasedStatement
    expect(rate).toMatchObject({ AggregateKeyType: 'IP', Limit: 100, EvaluationWindowSec: 300 })
    expect(rule.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429 } } })
    for (const path of [
      '/signin',
      '/signin/challenge',
      '/SignIn',
      '/signup',
      '/signup/confirm',
      '/signup/resend',
      '/password/forgot',
      '/password/reset',
    ]) {
      expect({ path, limited: matches(rate.ScopeDownStatement, path) }).toEqual({ path, limited: true })
    }
    for (const path of ['/health', '/me', '/token/refresh', '/signout', '/password/change', '/swagger']) {
      expect({ path, limited: matches(rate.ScopeDownStatement, path) }).toEqual({ path, limited: false })
    }
  })

  test('a looser per-IP limit on every route, checked after the auth-route limit', () => {
    const auth = rules.find((r) => r.Name === 'auth-routes-per-ip')
    const all = rules.find((r) => r.Name === 'all-routes-per-ip')
    expect(all.Statement.RateBasedStatement).toEqual({ AggregateKeyType: 'IP', Limit: 2000, EvaluationWindowSec: 300 })
    expect(all.Priority).toBeGreaterThan(auth.Priority)
  })
})

/** The logical id of the one Secrets Manager secret whose id starts with `prefix`. */
function secretNamed(prefix: string): string {
  const ids = Object.keys(template.findResources('AWS::SecretsManager::Secret')).filter((id) => id.startsWith(prefix))
  if (ids.length !== 1) throw new Error(`expected one secret named ${prefix}…, found ${ids.length}`)
  return ids[0]!
}

/** The app client's secret (the other secret is the state store user's password). */
function clientSecret(): { id: string; properties: Record<string, any> } {
  const id = secretNamed('UserPoolClientSecret')
  return { id, properties: template.toJSON().Resources[id].Properties }
}
