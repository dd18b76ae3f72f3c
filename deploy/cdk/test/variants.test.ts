// What the context switches change, each checked on its construct alone in a small stack (cheap:
// the full app is synthesized once, in synth.ts, with cdk.json's defaults).
import { describe, expect, test } from 'bun:test'
import { App, Stack } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import { buildApp } from '../lib/app.ts'
import { Cluster } from '../lib/cluster.ts'
import { LoadBalancer } from '../lib/load-balancer.ts'
import { readSettings } from '../lib/settings.ts'
import { UserPool } from '../lib/user-pool.ts'
import { UserServiceStack } from '../lib/user-service-stack.ts'
import { cdkJson } from './synth.ts'

const CERTIFICATE_ARN = 'arn:aws:acm:ap-northeast-2:123456789012:certificate/0f1e2d3c-4b5a-6978-8899-aabbccddeeff'

// With cdk.json's feature flags, as the real app (they decide e.g. launch template vs configuration).
const variantStack = () =>
  new Stack(new App({ context: cdkJson.context }), 'Variant', { env: { region: 'ap-northeast-2' } })

function stackWithVpc(): { stack: Stack; vpc: ec2.Vpc } {
  const stack = variantStack()
  return { stack, vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }) }
}

describe('certificateArn', () => {
  const { stack, vpc } = stackWithVpc()
  new LoadBalancer(stack, 'LoadBalancer', {
    vpc,
    certificateArn: CERTIFICATE_ARN,
    containerPort: 8080,
    drainSeconds: 10,
    accessLogRetentionDays: 30,
  })
  const template = Template.fromStack(stack)

  test('HTTPS on 443 with the certificate and a recommended TLS policy, forwarding to the tasks', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: CERTIFICATE_ARN }],
      SslPolicy: Match.stringLikeRegexp('^ELBSecurityPolicy-TLS13-'),
      DefaultActions: [Match.objectLike({ Type: 'forward' })],
    })
  })

  test('HTTP on 80 only redirects to HTTPS', () => {
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2)
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        {
          Type: 'redirect',
          RedirectConfig: Match.objectLike({ Port: '443', Protocol: 'HTTPS', StatusCode: 'HTTP_301' }),
        },
      ],
    })
  })
})

describe('architecture', () => {
  const launchTemplate = (architecture: 'x86_64' | 'arm64', instanceType: string) => {
    const { stack, vpc } = stackWithVpc()
    new Cluster(stack, 'Compute', { vpc, architecture, instanceType, minInstances: 1, maxInstances: 2 })
    const template = Template.fromStack(stack)
    const data = Object.values(template.findResources('AWS::EC2::LaunchTemplate'))[0]!.Properties.LaunchTemplateData
    return { instanceType: data.InstanceType, ami: template.toJSON().Parameters[data.ImageId.Ref].Default }
  }

  test('arm64: a Graviton instance type on the arm64 ECS-optimized AMI', () => {
    expect(launchTemplate('arm64', 't4g.small')).toEqual({
      instanceType: 't4g.small',
      ami: '/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id',
    })
  })

  test('x86_64: the x86_64 ECS-optimized AMI', () => {
    expect(launchTemplate('x86_64', 't3.small').ami).toBe(
      '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
    )
  })
})

describe('userPoolDeletionProtection', () => {
  test('false: deletion protection off and the pool goes with the stack', () => {
    const stack = variantStack()
    new UserPool(stack, 'UserPool', {
      deletionProtection: false,
      passkeyRelyingPartyId: 'example.com',
      passkeyFactorConfiguration: 'SINGLE_FACTOR',
      sesFromEmail: 'no-reply@example.com',
      sesRegion: 'eu-west-1',
      refreshTokenRotation: true,
      refreshTokenGraceSeconds: 10,
      sessionTracking: true,
    })
    const template = Template.fromStack(stack)
    template.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'INACTIVE' })
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete' })
  })
})

describe('refreshTokenRotation', () => {
  test('false (and sessionTracking false): the app client does not rotate (token revocation stays on), the task is told so, no session configuration', () => {
    const { stack } = buildApp({
      context: { ...cdkJson.context, refreshTokenRotation: 'false', sessionTracking: 'false' },
    })
    const template = Template.fromStack(stack)
    const client = Object.values(template.findResources('AWS::Cognito::UserPoolClient'))[0]!
    expect(client.Properties.RefreshTokenRotation).toBeUndefined()
    expect(client.Properties.EnableTokenRevocation).toBe(true)
    // sessionTracking: false leaves the pool's default (tracking off).
    expect(template.findResources('AWS::Cognito::UserPoolSessionConfigurationAttachment')).toEqual({})
    const task = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0]!
    expect(task.Properties.ContainerDefinitions[0].Environment).toContainEqual({
      Name: 'COGNITO_REFRESH_TOKEN_ROTATION',
      Value: 'false',
    })
  })
})

describe('vpcId', () => {
  // What `cdk deploy` would have looked up with the account's credentials, given as the context
  // entry the CLI caches in cdk.context.json.
  const VPC_ID = 'vpc-0123456789abcdef0'
  const subnets = (prefix: string, first: number) =>
    ['a', 'c'].map((zone, i) => ({
      subnetId: `subnet-${prefix}${i}23456789abcdef`,
      availabilityZone: `ap-northeast-2${zone}`,
      routeTableId: `rtb-${prefix}${i}23456789abcdef`,
      cidr: `10.1.${first + i}.0/24`,
    }))
  const lookup = {
    vpcId: VPC_ID,
    vpcCidrBlock: '10.1.0.0/16',
    availabilityZones: ['ap-northeast-2a', 'ap-northeast-2c'],
    subnetGroups: [
      { name: 'Public', type: 'Public', subnets: subnets('0a', 0) },
      { name: 'Private', type: 'Private', subnets: subnets('0b', 10) },
    ],
  }
  const app = new App({
    context: {
      ...cdkJson.context,
      vpcId: VPC_ID,
      [`vpc-provider:account=123456789012:filter.vpc-id=${VPC_ID}:region=ap-northeast-2:returnAsymmetricSubnets=true`]:
        lookup,
    },
  })
  const stack = new UserServiceStack(app, 'UserService', {
    settings: readSettings((key) => app.node.tryGetContext(key)),
    env: { account: '123456789012', region: 'ap-northeast-2' },
  })
  const template = Template.fromStack(stack)

  test('no VPC of its own: the ALB in the public subnets, instances and tasks in the private ones', () => {
    template.resourceCountIs('AWS::EC2::VPC', 0)
    template.resourceCountIs('AWS::EC2::FlowLog', 0)
    const ids = (group: number) => lookup.subnetGroups[group]!.subnets.map((s) => s.subnetId)
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Subnets: ids(0) })
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { VPCZoneIdentifier: ids(1) })
    template.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ Subnets: ids(1) }) },
    })
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { VpcId: VPC_ID })
  })
})
