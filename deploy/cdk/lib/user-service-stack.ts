// One stack: network, Cognito user pool, ECR repository, ECS cluster on EC2, the service behind an
// ALB, WAF. Environment-agnostic unless a VPC is imported, so `cdk synth` needs no AWS account.
import { CfnCondition, CfnOutput, CfnParameter, Fn, Stack, Token, type StackProps } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as ecr from 'aws-cdk-lib/aws-ecr'
import * as logs from 'aws-cdk-lib/aws-logs'
import type { Construct } from 'constructs'
import { Cluster } from './cluster.ts'
import { LoadBalancer } from './load-balancer.ts'
import { Monitoring } from './monitoring.ts'
import { CONTAINER_PORT, Service } from './service.ts'
import type { Settings } from './settings.ts'
import { StateStore } from './state-store.ts'
import { UserPool } from './user-pool.ts'
import { WebAcl } from './web-acl.ts'

export interface UserServiceStackProps extends StackProps {
  settings: Settings
}

export class UserServiceStack extends Stack {
  constructor(scope: Construct, id: string, props: UserServiceStackProps) {
    super(scope, id, props)
    const { settings } = props

    // The image tag is a parameter, not context: `cdk deploy` reuses the deployed value when it is
    // not given, so an infrastructure change never rolls the image back or forward by accident.
    // Empty (the first deploy, before any image is pushed) runs no tasks.
    const imageTag = new CfnParameter(this, 'ImageTag', {
      type: 'String',
      default: '',
      description: "Tag of the user-service image in this stack's ECR repository; empty = no image yet, 0 tasks.",
      allowedPattern: '^$|^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$',
    })
    const noImage = new CfnCondition(this, 'NoImageYet', { expression: Fn.conditionEquals(imageTag.valueAsString, '') })
    // Without the shared state store each task keeps its own rate limits and revocations, so one
    // task runs: more would multiply the limits and miss each other's sign-outs (docs/deployment.md).
    const stateStoreParameter = new CfnParameter(this, 'StateStore', {
      type: 'String',
      default: 'enabled',
      allowedValues: ['enabled', 'disabled'],
      description:
        'enabled: the tasks share rate limits and revocations in ElastiCache Serverless for Valkey; disabled: no cache, one task keeping them in memory.',
    })
    const withStore = new CfnCondition(this, 'WithStateStore', {
      expression: Fn.conditionEquals(stateStoreParameter.valueAsString, 'enabled'),
    })
    const minTasks = Token.asNumber(
      Fn.conditionIf(noImage.logicalId, 0, Fn.conditionIf(withStore.logicalId, settings.minTasks, 1)),
    )
    const maxTasks = Token.asNumber(Fn.conditionIf(withStore.logicalId, settings.maxTasks, 1))
    // A task definition needs some image reference even when no task runs.
    const tag = Fn.conditionIf(noImage.logicalId, 'none', imageTag.valueAsString).toString()

    const vpc = settings.vpcId ? ec2.Vpc.fromLookup(this, 'Vpc', { vpcId: settings.vpcId }) : this.newVpc(settings)

    // Parameters, not context: they name the operator's own domain and mail identity, set once.
    const passkeyRelyingPartyId = new CfnParameter(this, 'PasskeyRelyingPartyId', {
      type: 'String',
      description: 'The domain passkeys belong to: the web app’s domain (e.g. example.com), without scheme or port.',
      allowedPattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$',
    })
    const passkeyFactorConfiguration = new CfnParameter(this, 'PasskeyFactorConfiguration', {
      type: 'String',
      default: 'SINGLE_FACTOR',
      allowedValues: ['SINGLE_FACTOR', 'MULTI_FACTOR_WITH_USER_VERIFICATION'],
      description:
        'MULTI_FACTOR_WITH_USER_VERIFICATION: a passkey with user verification can count as the second factor of a user who turns it on (PUT /me/passkeys/mfa).',
    })
    const sesFromEmail = new CfnParameter(this, 'SesFromEmail', {
      type: 'String',
      description: 'A verified Amazon SES identity (address) in this region: Cognito sends the sign-in codes from it.',
      allowedPattern: '^[^@\\s]+@[^@\\s]+$',
    })
    const userPool = new UserPool(this, 'UserPool', {
      deletionProtection: settings.userPoolDeletionProtection,
      passkeyRelyingPartyId: passkeyRelyingPartyId.valueAsString,
      passkeyFactorConfiguration: passkeyFactorConfiguration.valueAsString,
      sesFromEmail: sesFromEmail.valueAsString,
      sesRegion: settings.region,
      refreshTokenRotation: settings.refreshTokenRotation,
      refreshTokenGraceSeconds: settings.refreshTokenGraceSeconds,
      sessionTracking: settings.sessionTracking,
    })

    const repository = new ecr.Repository(this, 'Repository', {
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      lifecycleRules: [{ description: 'keep the last 50 images', maxImageCount: 50 }],
    })

    const cluster = new Cluster(this, 'Compute', {
      vpc,
      architecture: settings.architecture,
      instanceType: settings.instanceType,
      minInstances: settings.minInstances,
      maxInstances: settings.maxInstances,
    })

    const drainSeconds = Math.ceil(settings.shutdownTimeoutMs / 1000)
    const loadBalancer = new LoadBalancer(this, 'LoadBalancer', {
      vpc,
      containerPort: CONTAINER_PORT,
      drainSeconds,
      accessLogRetentionDays: settings.logRetentionDays,
      ...(settings.certificateArn === undefined ? {} : { certificateArn: settings.certificateArn }),
    })

    const stateStore = new StateStore(this, 'SharedState', { vpc, condition: withStore })

    const service = new Service(this, 'Service', {
      settings,
      cluster: cluster.cluster,
      capacityProvider: cluster.capacityProvider,
      repository,
      imageTag: tag,
      minTasks,
      maxTasks,
      stateStore: {
        url: Fn.conditionIf(withStore.logicalId, stateStore.url, '').toString(),
        password: stateStore.password,
      },
      userPoolId: userPool.pool.userPoolId,
      clientId: userPool.client.userPoolClientId,
      clientSecret: userPool.clientSecret,
      targetGroup: loadBalancer.targetGroup,
      loadBalancerSecurityGroup: loadBalancer.alb.connections.securityGroups[0]!,
    })

    stateStore.allowFrom(service.service.connections.securityGroups[0]!, withStore)

    const monitoring = new Monitoring(this, 'Monitoring', {
      logGroup: service.logGroup,
      loadBalancer: loadBalancer.alb,
      targetGroup: loadBalancer.targetGroup,
    })
    stateStore.addAlarms(monitoring.alarmTopic, withStore)
    new CfnOutput(this, 'AlarmTopicArn', {
      value: monitoring.alarmTopic.topicArn,
      description: 'Subscribe to this topic (email, chat, paging) to be told when an alarm fires and clears.',
    })

    new WebAcl(this, 'WebAcl', {
      loadBalancerArn: loadBalancer.alb.loadBalancerArn,
      authRateLimit: settings.authRateLimit,
      globalRateLimit: settings.globalRateLimit,
    })

    new CfnOutput(this, 'Url', { value: loadBalancer.url, description: 'The service, through the ALB' })
    new CfnOutput(this, 'RepositoryUri', { value: repository.repositoryUri, description: 'docker push target' })
    new CfnOutput(this, 'UserPoolId', { value: userPool.pool.userPoolId })
    new CfnOutput(this, 'UserPoolClientId', { value: userPool.client.userPoolClientId })
    new CfnOutput(this, 'ClusterName', { value: cluster.cluster.clusterName })
    new CfnOutput(this, 'ServiceName', { value: service.service.serviceName })
  }

  /** Two AZs: public subnets for the ALB and NAT, private ones for the instances and tasks. */
  private newVpc(settings: Settings): ec2.Vpc {
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: settings.natGateways })
    vpc.addFlowLog('RejectedTraffic', {
      trafficType: ec2.FlowLogTrafficType.REJECT,
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, 'FlowLogs', { retention: settings.logRetentionDays }),
      ),
    })
    return vpc
  }
}
